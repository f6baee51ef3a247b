import type { RedisClient } from '../lib/redis.js';
import { packScriptInput } from './script-args.js';
import { runScript } from './scripts.js';

/**
 * Typed calls of the room scripts whose input is a structure (room-commit) or whose reply needs
 * decoding (room-load, room-destroy, room-board): one function each, no casts at the call sites.
 */

/** One commit of a decision, as room-commit takes it. */
export interface RoomCommitInput {
  /** The room's ver the decision was taken on ('0' creates the room). */
  expectedVer: string;
  doc: string;
  /** A string: Lua would print a large number in exponent form inside a message. */
  nowMs: string;
  bufferSize: number;
  channel: string;
  linked: boolean;
  banUuid: string;
  banUntilMs: number;
  members: { userId: string; userUuid: string; json: string }[];
  notices: { cmd: number; data: string }[];
  rtmPrefix: string;
}

export type RoomCommitReply = { kind: 'ok'; ver: number; seq: number } | { kind: 'conflict' };

export async function roomCommitScript(redis: RedisClient, keys: string[], input: RoomCommitInput): Promise<RoomCommitReply> {
  const reply = await runScript(redis, 'roomCommit', keys, [packScriptInput(input)]);
  const [kind, ver, seq] = Array.isArray(reply) ? reply : [];
  if (kind === 'conflict') return { kind };
  if (kind === 'ok') return { kind, ver: Number(ver), seq: Number(seq) };
  throw new Error(`room-commit answered ${JSON.stringify(reply)}`);
}

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

export async function roomLoadScript(redis: RedisClient, keys: string[], args: string[]): Promise<RoomLoadReply> {
  const reply = await runScript(redis, 'roomLoad', keys, args);
  const values = (Array.isArray(reply) ? reply : []).map((v) => (typeof v === 'string' ? v : ''));
  const [ver = '', doc = '', byUuid = '', host = '', ban = '0', ...records] = values;
  return { ver, doc, byUuid, host, banUntilMs: Number(ban), records };
}

export type DestroyResult = 'destroyed' | 'gone' | 'stale' | 'pending';
const DESTROY_RESULTS = new Set<string>(['destroyed', 'gone', 'stale', 'pending']);

/** room-destroy's reply: what happened, and the ids of the users who were in the room. */
export async function roomDestroyScript(redis: RedisClient, keys: string[], life: string): Promise<{ result: DestroyResult; userIds: string[] }> {
  const reply = await runScript(redis, 'roomDestroy', keys, [life]);
  const [result, ...userIds] = Array.isArray(reply) ? reply : [];
  if (typeof result !== 'string' || !DESTROY_RESULTS.has(result)) throw new Error(`room-destroy answered ${JSON.stringify(reply)}`);
  return { result: result as DestroyResult, userIds: userIds.map(String) };
}

/** room-board's reply: the recorded whiteboard uuid ('' none), or undefined when the room is gone. */
export async function roomBoardScript(redis: RedisClient, roomKey: string, created: string): Promise<string | undefined> {
  const reply = await runScript(redis, 'roomBoard', [roomKey], [created]);
  return typeof reply === 'string' ? reply : undefined;
}
