import type { Redis } from 'ioredis';
import type { RoomMessage } from '../domain/room-events.js';
import type { Member, Plan, RoomDoc } from '../domain/room-rules.js';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';

/** What one decision needs to know about a room, read atomically, with its version. */
export interface RoomSnapshot {
  /** '' when the room does not exist. */
  ver: string;
  room: RoomDoc | undefined;
  /** The record of the userUuid asked for. */
  byUuid: Member | undefined;
  host: Member | undefined;
  banUntilMs: number;
  /** The members asked for by id (or every member). */
  members: Map<number, Member>;
}

export type CommitResult = { kind: 'ok'; ver: number; seq: number } | { kind: 'conflict' } | { kind: 'taken'; roomId: string };
export type DestroyResult = 'destroyed' | 'gone' | 'stale' | 'pending';

/** How a member's heartbeat entry changes with a commit. */
export type HeartbeatChange = 'add' | 'remove' | 'keep';

const parseMember = (json: string): Member | undefined => (json ? (JSON.parse(json) as Member) : undefined);

/** Rooms in Redis: versioned snapshots and commits, replay buffer, heartbeats, relay queue. */
export class RoomStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly bufferSize: number,
  ) {}

  private roomKeys(roomId: string): string[] {
    const k = this.keys;
    return [k.room(roomId), k.roomUsers(roomId), k.roomUserUuids(roomId), k.roomBans(roomId)];
  }

  /** A consistent snapshot: the room, the given user (by uuid), the host, and members by id (or all). */
  async load(roomId: string, ask: { userUuid?: string; userIds?: number[]; all?: boolean }): Promise<RoomSnapshot> {
    const ids = ask.userIds ?? [];
    const reply = (await runScript(this.redis, 'roomLoad', this.roomKeys(roomId), [ask.userUuid ?? '', ask.all ? '1' : '0', ...ids.map(String)])) as string[];
    const [ver = '', doc = '', byUuid = '', host = '', ban = '0', ...records] = reply;
    const members = new Map<number, Member>();
    for (const record of records) {
      const member = parseMember(record);
      if (member) members.set(member.userId, member);
    }
    return {
      ver, room: doc ? (JSON.parse(doc) as RoomDoc) : undefined,
      byUuid: parseMember(byUuid), host: parseMember(host), banUntilMs: Number(ban), members,
    };
  }

  /** Commits a plan if the room is still at `ver` ('0': creates it, claiming its roomUuid). */
  async commit(ver: string, plan: Plan, heartbeats: Map<number, HeartbeatChange>, nowMs: number): Promise<CommitResult> {
    const { room } = plan;
    const k = this.keys;
    const keys = [
      ...this.roomKeys(room.roomId), k.roomBuffer(room.roomId), k.roomRelay(room.roomId), k.roomHeartbeats,
      k.roomIndex(room.appId, room.roomUuid), k.roomRelayPending,
    ];
    const linked = room.sid !== null && room.classId !== null;
    const args: (string | number)[] = [
      ver, JSON.stringify(room), room.roomId, nowMs, this.bufferSize, k.roomChannel(room.roomId), linked ? '1' : '0',
      plan.ban?.userUuid ?? '', plan.ban?.untilMs ?? 0, plan.members.length,
    ];
    for (const m of plan.members) args.push(m.userId, m.userUuid, JSON.stringify(m), heartbeats.get(m.userId) ?? 'keep');
    args.push(plan.notices.length);
    for (const n of plan.notices) args.push(n.cmd, JSON.stringify(n.data));
    const reply = (await runScript(this.redis, 'roomCommit', keys, args)) as [string, ...(string | number)[]];
    if (reply[0] === 'ok') return { kind: 'ok', ver: Number(reply[1]), seq: Number(reply[2]) };
    if (reply[0] === 'taken') return { kind: 'taken', roomId: String(reply[1]) };
    return { kind: 'conflict' };
  }

  /** The live room of a roomUuid, if any. */
  async roomIdFor(appId: string, roomUuid: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.roomIndex(appId, roomUuid))) ?? undefined;
  }

  /** Destroys a room: planned (`life`: only if still empty and nobody entered since) or at once. */
  async destroy(room: Pick<RoomDoc, 'roomId' | 'appId' | 'roomUuid'>, life: number | undefined): Promise<DestroyResult> {
    const k = this.keys;
    const keys = [...this.roomKeys(room.roomId), k.roomBuffer(room.roomId), k.roomRelay(room.roomId), k.roomHeartbeats, k.roomIndex(room.appId, room.roomUuid), k.roomRelayPending];
    return (await runScript(this.redis, 'roomDestroy', keys, [room.roomId, life === undefined ? '' : life])) as DestroyResult;
  }

  /** Records a heartbeat of an online user (no-op for a user who is not online). */
  async heartbeat(roomId: string, userId: number, nowMs: number): Promise<void> {
    await this.redis.zadd(this.keys.roomHeartbeats, 'XX', nowMs, `${roomId}/${userId}`);
  }

  /** Users whose last heartbeat is older than cutoffMs, oldest first. */
  async silentUsers(cutoffMs: number, limit: number): Promise<{ roomId: string; userId: number }[]> {
    const members = await this.redis.zrangebyscore(this.keys.roomHeartbeats, '-inf', `(${cutoffMs}`, 'LIMIT', 0, limit);
    return members.map((m) => {
      const slash = m.lastIndexOf('/');
      return { roomId: m.slice(0, slash), userId: Number(m.slice(slash + 1)) };
    });
  }

  /** The last heartbeat of a user, ms (undefined when not online). */
  async lastSeen(roomId: string, userId: number): Promise<number | undefined> {
    const score = await this.redis.zscore(this.keys.roomHeartbeats, `${roomId}/${userId}`);
    return score === null ? undefined : Number(score);
  }

  /** Drops a heartbeat entry left behind (room gone, user already out) if not refreshed since. */
  async forgetHeartbeat(roomId: string, userId: number, cutoffMs: number): Promise<void> {
    const seen = await this.lastSeen(roomId, userId);
    if (seen !== undefined && seen < cutoffMs) await this.redis.zrem(this.keys.roomHeartbeats, `${roomId}/${userId}`);
  }

  /** Buffered notifications with seq > afterSeq (as broadcast, JSON), oldest first. */
  async messagesAfter(roomId: string, afterSeq: number): Promise<string[]> {
    const all = await this.redis.lrange(this.keys.roomBuffer(roomId), 0, -1);
    return all.filter((json) => (JSON.parse(json) as RoomMessage).seq > afterSeq);
  }

  /** Takes the relay lock of a room for ttlMs; the token releases it. */
  async lockRelay(roomId: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.roomRelayLock(roomId), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async relayBatch(roomId: string, max: number): Promise<RoomMessage[]> {
    const rows = await this.redis.lrange(this.keys.roomRelay(roomId), 0, max - 1);
    return rows.map((r) => JSON.parse(r) as RoomMessage);
  }

  /** Drops the first `count` relayed notifications. */
  async relayDone(roomId: string, count: number): Promise<void> {
    await this.redis.ltrim(this.keys.roomRelay(roomId), count, -1);
  }

  /** Releases the relay lock; returns how many notifications are still waiting. */
  async releaseRelay(roomId: string, token: string): Promise<number> {
    const k = this.keys;
    return Number(await runScript(this.redis, 'roomRelayRelease', [k.roomRelayLock(roomId), k.roomRelay(roomId), k.roomRelayPending], [token, roomId]));
  }

  /** Rooms with notifications waiting to be relayed (a crashed process left them). */
  async pendingRelays(limit: number): Promise<string[]> {
    return this.redis.srandmember(this.keys.roomRelayPending, limit);
  }

  /** The room doc alone (no version), e.g. for maintenance. */
  async doc(roomId: string): Promise<RoomDoc | undefined> {
    const doc = await this.redis.hget(this.keys.room(roomId), 'doc');
    return doc ? (JSON.parse(doc) as RoomDoc) : undefined;
  }

  /** The uid of a user of an app: stable, assigned from one counter on first use. */
  async assignedUid(appId: string, userUuid: string, firstUid: number): Promise<number> {
    const key = this.keys.roomUids(appId);
    const known = await this.redis.hget(key, userUuid);
    if (known) return Number(known);
    const next = await this.redis.incr(this.keys.roomUidSeq);
    await this.redis.hsetnx(key, userUuid, firstUid + next);
    return Number(await this.redis.hget(key, userUuid));
  }
}
