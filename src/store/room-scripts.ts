import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { packScriptInput } from './script-args.js';
import { arrayReply, codeOf, flagReply, isInteger, numeric, stringList, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/**
 * The typed calls of the room scripts: room-load, room-commit (its one msgpack-packed commit),
 * room-destroy, room-board and room-index-swap. Each builds its room's keys (one slot) itself.
 */

/** One commit of a decision, as room-commit takes it (its keys and pub/sub channel come from the roomId). */
export interface RoomCommitInput {
  roomId: string;
  /** The room's ver the decision was taken on ('0' creates the room). */
  expectedVer: string;
  doc: string;
  /** A string: Lua would print a large number in exponent form inside a message. */
  nowMs: string;
  bufferSize: number;
  linked: boolean;
  banUuid: string;
  banUntilMs: number;
  members: { userId: string; userUuid: string; json: string }[];
  notices: { cmd: number; data: string }[];
  rtmPrefix: string;
}

export type RoomCommitReply = { kind: 'ok'; ver: number; seq: number } | { kind: 'conflict' };

/** room-load's reply: the room's ver and doc, the member asked for by uuid, the host, a ban, members. */
export interface RoomLoadReply {
  ver: string;
  doc: string;
  byUuid: string;
  host: string;
  banUntilMs: number;
  /** Member JSON records. */
  records: string[];
}

/** What room-load reads besides the room: a member by uuid (and its ban), every member, or these ids. */
export interface RoomLoadInput {
  roomId: string;
  /** '' for none. */
  userUuid: string;
  all: boolean;
  userIds: readonly number[];
}

const DESTROY_RESULTS = ['destroyed', 'gone', 'stale', 'pending'] as const;
export type DestroyResult = (typeof DESTROY_RESULTS)[number];

function decodeCommit(reply: unknown): RoomCommitReply {
  const [kind, ver, seq] = arrayReply('roomCommit', reply);
  if (kind === 'conflict') return { kind };
  if (kind === 'ok' && isInteger(ver) && isInteger(seq)) return { kind, ver, seq };
  return unexpected('roomCommit', reply);
}

/** room-load's reply: ver, doc, the member by uuid, the host, a ban (all strings), then records. */
function decodeLoad(reply: unknown): RoomLoadReply {
  const [ver, doc, byUuid, host, ban, ...records] = stringList('roomLoad', reply, reply);
  const banUntilMs = numeric(ban);
  if (host === undefined || banUntilMs === undefined) return unexpected('roomLoad', reply);
  return { ver: ver!, doc: doc!, byUuid: byUuid!, host, banUntilMs, records };
}

function decodeDestroy(reply: unknown): { result: DestroyResult; userIds: string[] } {
  const [result, ...userIds] = stringList('roomDestroy', reply, reply);
  const code = codeOf(result, DESTROY_RESULTS);
  if (!code || (code !== 'destroyed' && userIds.length > 0)) return unexpected('roomDestroy', reply);
  return { result: code, userIds };
}

/** The room scripts over one key prefix. */
export class RoomScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** A room's own keys, in the order the scripts take them (room-load the first four, room-destroy seven). */
  private roomKeys(roomId: string, count: 4 | 7 | 8): string[] {
    const k = this.keys;
    const all = [k.room(roomId), k.roomUsers(roomId), k.roomUserUuids(roomId), k.roomBans(roomId), k.roomBuffer(roomId), k.roomRelay(roomId), k.roomClaim(roomId), k.roomRtm(roomId)];
    return all.slice(0, count);
  }

  /** room-load: a consistent snapshot for one decision. */
  async roomLoad(a: RoomLoadInput): Promise<RoomLoadReply> {
    const args = [a.userUuid, a.all ? '1' : '0', ...a.userIds.map(String)];
    return decodeLoad(await runScript(this.redis, 'roomLoad', this.roomKeys(a.roomId, 4), args));
  }

  /** room-commit: commits a decision if the room is still at `expectedVer`, and broadcasts its notices. */
  async roomCommit(a: RoomCommitInput): Promise<RoomCommitReply> {
    const { roomId, ...commit } = a;
    const packed = packScriptInput({ ...commit, channel: this.keys.roomChannel(roomId) });
    return decodeCommit(await runScript(this.redis, 'roomCommit', this.roomKeys(roomId, 8), [packed]));
  }

  /** room-destroy: every key of the room, planned (`life`: only if still empty) or at once (life undefined). */
  async roomDestroy(a: { roomId: string; life: number | undefined }): Promise<{ result: DestroyResult; userIds: string[] }> {
    const reply = await runScript(this.redis, 'roomDestroy', this.roomKeys(a.roomId, 7), [a.life === undefined ? '' : String(a.life)]);
    return decodeDestroy(reply);
  }

  /** room-board: records `created` ('' only reads) unless a board is recorded; the recorded uuid ('' none), undefined when the room is gone. */
  async roomBoard(a: { roomId: string; created: string }): Promise<string | undefined> {
    const reply = await runScript(this.redis, 'roomBoard', [this.keys.room(a.roomId)], [a.created]);
    if (reply === null) return undefined;
    return typeof reply === 'string' ? reply : unexpected('roomBoard', reply);
  }

  /** room-index-swap: compare-and-set of a roomUuid index entry (from/to '' = absent); false when it named another room. */
  async roomIndexSwap(a: { field: string; from: string; to: string }): Promise<boolean> {
    return flagReply('roomIndexSwap', await runScript(this.redis, 'roomIndexSwap', [this.keys.roomIndex], [a.field, a.from, a.to]));
  }
}
