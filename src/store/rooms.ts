import type { RedisClient } from '../lib/redis.js';
import type { RoomMessage } from '../domain/room-events.js';
import type { Member, Plan, RoomDoc } from '../domain/room-rules.js';
import { FencedQueue } from './fenced-queue.js';
import type { Keys } from './keys.js';
import { RoomScripts, type DestroyResult } from './room-scripts.js';

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

export type CommitResult = { kind: 'ok'; ver: number; seq: number } | { kind: 'conflict' };
export type { DestroyResult } from './room-scripts.js';

/** How a member's heartbeat entry changes with a commit. */
export type HeartbeatChange = 'add' | 'remove' | 'keep';

const parseMember = (json: string): Member | undefined => (json ? (JSON.parse(json) as Member) : undefined);

/** The snapshot of a room that does not exist (yet). */
export function emptySnapshot(): RoomSnapshot {
  return { ver: '', room: undefined, byUuid: undefined, host: undefined, banUntilMs: 0, members: new Map() };
}

/**
 * Rooms in Redis: versioned snapshots and commits, replay buffer, heartbeats, relay queue.
 *
 * Cluster-safe: each script touches only the keys of one room (hash tag `{r<roomId>}`). The global
 * keys (heartbeats, roomUuid index, rooms to relay) are written by single-key commands before or
 * after it, in the order that leaves, after a crash between any two steps, only what a sweep
 * repairs: a heartbeat of a user who is not online (heartbeat sweep), a room to relay with nothing
 * to relay (relay sweep), an index entry naming a room that does not exist (the next entry
 * replaces it; the room reconciler deletes it).
 */
export class RoomStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly bufferSize: number,
    /** Queue every notification for RTM too (Agora's RTM REST API configured). */
    private readonly rtmQueued = false,
  ) {
    this.scripts = new RoomScripts(redis, keys);
  }

  private readonly scripts: RoomScripts;

  /** A consistent snapshot: the room, the given user (by uuid), the host, and members by id (or all). */
  async load(roomId: string, ask: { userUuid?: string; userIds?: number[]; all?: boolean }): Promise<RoomSnapshot> {
    const ids = ask.userIds ?? [];
    const { ver, doc, byUuid, host, banUntilMs, records } = await this.scripts.roomLoad({ roomId, userUuid: ask.userUuid ?? '', all: ask.all ?? false, userIds: ids });
    const members = new Map<number, Member>();
    for (const record of records) {
      const member = parseMember(record);
      if (member) members.set(member.userId, member);
    }
    return {
      ver, room: doc ? (JSON.parse(doc) as RoomDoc) : undefined,
      byUuid: parseMember(byUuid), host: parseMember(host), banUntilMs, members,
    };
  }

  /**
   * Commits a plan if the room is still at `ver` ('0': creates it; its roomUuid must have been
   * claimed with claimRoomUuid). Heartbeats and the set of rooms to relay are updated around it.
   */
  async commit(ver: string, plan: Plan, heartbeats: Map<number, HeartbeatChange>, nowMs: number): Promise<CommitResult> {
    const { room } = plan;
    const k = this.keys;
    const linked = room.sid !== null && room.classId !== null;
    const relayWork = linked && plan.notices.length > 0;
    const rtmWork = this.rtmQueued && plan.notices.length > 0;
    const added = plan.members.filter((m) => heartbeats.get(m.userId) === 'add').map((m) => m.userId);
    const removed = plan.members.filter((m) => heartbeats.get(m.userId) === 'remove').map((m) => m.userId);
    // Before: a heartbeat for a user about to come online, so no crash leaves an online user the
    // heartbeat sweep cannot see (if the commit fails, the sweep drops the entry: user not online);
    // the room into the set to relay, so a crash after the commit still leaves a wake-up (if the
    // commit fails, the relay sweep finds nothing to relay and drops it).
    await Promise.all([
      this.addHeartbeats(room.roomId, added, nowMs), relayWork ? this.redis.sadd(k.roomRelayPending, room.roomId) : undefined,
      rtmWork ? this.redis.sadd(k.roomRtmPending, room.roomId) : undefined,
    ]);
    const reply = await this.scripts.roomCommit({
      roomId: room.roomId, expectedVer: String(ver), doc: JSON.stringify(room), nowMs: String(nowMs), bufferSize: this.bufferSize, linked,
      banUuid: plan.ban?.userUuid ?? '', banUntilMs: plan.ban?.untilMs ?? 0,
      members: plan.members.map((m) => ({ userId: String(m.userId), userUuid: m.userUuid, json: JSON.stringify(m) })),
      notices: plan.notices.map((n) => ({ cmd: n.cmd, data: JSON.stringify(n.data) })),
      // An RTM entry carries its channel: the queue outlives the room, whose doc is gone once destroyed.
      rtmPrefix: rtmWork ? `{"channel":${JSON.stringify(room.channelName)},"message":` : '',
    });
    if (reply.kind !== 'ok') return { kind: 'conflict' };
    // After: heartbeats of users who left go (a crash before leaves an entry of a user not online,
    // which the sweep drops). Added heartbeats and the room to relay are written again, as a
    // concurrent exit's removal or relay release may have undone the writes before the commit.
    await Promise.all([
      this.addHeartbeats(room.roomId, added, nowMs), this.removeHeartbeats(room.roomId, removed, nowMs),
      relayWork ? this.redis.sadd(k.roomRelayPending, room.roomId) : undefined,
      rtmWork ? this.redis.sadd(k.roomRtmPending, room.roomId) : undefined,
    ]);
    return { kind: 'ok', ver: reply.ver, seq: reply.seq };
  }

  private async addHeartbeats(roomId: string, userIds: number[], nowMs: number): Promise<void> {
    if (userIds.length === 0) return;
    await this.redis.zadd(this.keys.roomHeartbeats, 'GT', ...userIds.flatMap((id) => [nowMs, `${roomId}/${id}`]));
  }

  /**
   * Drops heartbeat entries of users who left, then looks at them again: one who came back online
   * meanwhile (another process's entry commit, whose own heartbeat write the removal may have
   * undone) gets an entry again.
   */
  private async removeHeartbeats(roomId: string, userIds: number[], nowMs: number): Promise<void> {
    if (userIds.length === 0) return;
    await this.redis.zrem(this.keys.roomHeartbeats, ...userIds.map((id) => `${roomId}/${id}`));
    const records = await this.redis.hmget(this.keys.roomUsers(roomId), ...userIds.map(String));
    const back = records.map((r) => parseMember(r ?? '')).filter((m): m is Member => m?.online === true && m.heartbeats !== false);
    if (back.length > 0) await this.redis.zadd(this.keys.roomHeartbeats, 'NX', ...back.flatMap((m) => [nowMs, `${roomId}/${m.userId}`]));
  }

  /**
   * Claims a roomUuid for a new room: first the room's creation claim (for claimMs), then the index
   * entry, compare-and-set from `replaces` ('' = no entry; else the roomId of a room that does not
   * exist). The create commit needs the claim, so a creator too slow to commit before the claim
   * expired can never create a room the index no longer names. False: someone else was faster.
   */
  async claimRoomUuid(appId: string, roomUuid: string, replaces: string, roomId: string, claimMs: number): Promise<boolean> {
    await this.redis.set(this.keys.roomClaim(roomId), '1', 'PX', claimMs);
    if (await this.swapIndex(this.keys.roomIndexField(appId, roomUuid), replaces, roomId)) return true;
    await this.redis.del(this.keys.roomClaim(roomId)); // this roomId will never be indexed
    return false;
  }

  /** True while a new room's creation claim is held: the index may name it before it exists. */
  async creating(roomId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.roomClaim(roomId))) === 1;
  }

  private async swapIndex(field: string, from: string, to: string): Promise<boolean> {
    return this.scripts.roomIndexSwap({ field, from, to });
  }

  /**
   * Deletes an index entry naming a room that does not exist and is not being created (a crash
   * between a destruction and the index update). The claim is checked before the room: a room
   * created before its claim ended is then seen. False when the entry is still in use.
   */
  async dropStaleIndex(field: string, roomId: string): Promise<boolean> {
    if (await this.creating(roomId)) return false;
    if (await this.redis.exists(this.keys.room(roomId))) return false;
    return this.swapIndex(field, roomId, '');
  }

  /** One page of the room index: [field, roomId] pairs and the cursor of the next page ('0' = done). */
  async indexPage(cursor: string, count: number): Promise<{ next: string; entries: [string, string][] }> {
    const [next, flat] = await this.redis.hscan(this.keys.roomIndex, cursor, 'COUNT', count);
    const entries: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i]!, flat[i + 1]!]);
    return { next, entries };
  }

  /** The live room of a roomUuid, if any. */
  async roomIdFor(appId: string, roomUuid: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.roomIndex, this.keys.roomIndexField(appId, roomUuid))) ?? undefined;
  }

  /** Destroys a room: planned (`life`: only if still empty and nobody entered since) or at once. */
  async destroy(room: Pick<RoomDoc, 'roomId' | 'appId' | 'roomUuid'>, life: number | undefined): Promise<DestroyResult> {
    const k = this.keys;
    const { result, userIds } = await this.scripts.roomDestroy({ roomId: room.roomId, life });
    if (result !== 'destroyed') return result;
    // After the room's keys are gone, its global traces; a crash in between leaves heartbeats of a
    // missing room (heartbeat sweep), a room to relay with nothing to relay (relay sweep) and an
    // index entry naming a missing room (replaced by the next entry, dropped by the reconciler).
    const members = userIds.map((id) => `${room.roomId}/${id}`);
    await Promise.all([
      members.length > 0 ? this.redis.zrem(k.roomHeartbeats, ...members) : undefined,
      this.redis.srem(k.roomRelayPending, room.roomId),
      this.swapIndex(k.roomIndexField(room.appId, room.roomUuid), room.roomId, ''),
    ]);
    return result;
  }

  /** Records a heartbeat of an online user (no-op for a user who is not online). */
  async heartbeat(roomId: string, userId: number, nowMs: number): Promise<void> {
    await this.redis.zadd(this.keys.roomHeartbeats, 'XX', nowMs, `${roomId}/${userId}`);
  }

  /**
   * Gives online users who have no heartbeat entry one, dated `nowMs` (an entry already there is
   * left alone); returns how many were missing. Such a user is invisible to the heartbeat sweep;
   * with the entry, a live client's heartbeats keep it fresh and a gone one is taken out in time.
   */
  async restoreHeartbeats(roomId: string, userIds: number[], nowMs: number): Promise<number> {
    if (userIds.length === 0) return 0;
    const members = userIds.map((id) => `${roomId}/${id}`);
    const scores = await this.redis.zmscore(this.keys.roomHeartbeats, ...members);
    const missing = members.filter((_, i) => scores[i] === null);
    if (missing.length > 0) await this.redis.zadd(this.keys.roomHeartbeats, 'NX', ...missing.flatMap((m) => [nowMs, m]));
    return missing.length;
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

  /**
   * Drops a heartbeat entry left behind (room gone, user not online: a crash between a commit and
   * its heartbeat update, or a commit that failed) if not refreshed since.
   */
  async forgetHeartbeat(roomId: string, userId: number, cutoffMs: number, nowMs = Date.now()): Promise<void> {
    const seen = await this.lastSeen(roomId, userId);
    if (seen !== undefined && seen < cutoffMs) await this.removeHeartbeats(roomId, [userId], nowMs);
  }

  /** Buffered notifications with seq > afterSeq (as broadcast, JSON), oldest first. */
  async messagesAfter(roomId: string, afterSeq: number): Promise<string[]> {
    const all = await this.redis.lrange(this.keys.roomBuffer(roomId), 0, -1);
    return all.filter((json) => (JSON.parse(json) as RoomMessage).seq > afterSeq);
  }

  /** The queue of a linked room's notifications still to be turned into catalogue events. */
  relayQueue(roomId: string): FencedQueue {
    const k = this.keys;
    return new FencedQueue(this.redis, { lock: k.roomRelayLock(roomId), queue: k.roomRelay(roomId), pending: k.roomRelayPending, member: roomId });
  }

  /** The queue of a room's notifications still to be sent as RTM channel messages. */
  rtmQueue(roomId: string): FencedQueue {
    const k = this.keys;
    return new FencedQueue(this.redis, { lock: k.roomRtmLock(roomId), queue: k.roomRtm(roomId), pending: k.roomRtmPending, member: roomId });
  }

  /** Rooms with RTM notifications waiting (a crashed or unreachable sender left them). */
  async pendingRtm(limit: number): Promise<string[]> {
    return this.redis.srandmember(this.keys.roomRtmPending, limit);
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

  /**
   * The whiteboard room of a room: records `created` unless one is recorded already, and returns the
   * recorded uuid ('' none; undefined when the room does not exist).
   */
  async boardId(roomId: string, created = ''): Promise<string | undefined> {
    return this.scripts.roomBoard({ roomId, created });
  }

  /** Takes the board-creation lock of a room for ttlMs; false when another caller holds it. */
  async lockBoardCreation(roomId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.roomBoardLock(roomId), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlockBoardCreation(roomId: string): Promise<void> {
    await this.redis.del(this.keys.roomBoardLock(roomId));
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
