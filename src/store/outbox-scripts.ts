import type { RedisClient } from '../lib/redis.js';
import { packScriptInput } from './script-args.js';
import { runScript } from './scripts.js';

/**
 * Typed calls of the outbox's batch scripts (ingest-events, settle-heads): each builds the script's
 * one structured argument and decodes its reply into a typed result with named outcomes.
 */

/** One event as ingest-events takes it. */
export interface IngestEventInput {
  id: string;
  /** A string: Lua would print a large number in exponent form inside a key. */
  sid: string;
  /** The id was chosen by the client (idempotency key). */
  indexed: boolean;
  type: string;
  json: string;
  /** The class's in-class event list, or "". */
  classKey: string;
  /** Append the raw event here instead of storing and pushing it (network samples), or "". */
  sampleKey: string;
  /** The event's W3C traceparent, stored as field `tp` (tracing on only: absent, nothing is stored). */
  tp?: string;
}

export interface IngestInput {
  prefix: string;
  nowMs: number;
  appId: string;
  retentionS: number;
  mode: 'strict' | 'check' | 'apply';
  events: IngestEventInput[];
}

export type IngestReply =
  | {
      kind: 'ok';
      accepted: string[];
      duplicates: string[];
      /** Schools to start a drain job for: job d-<sid>-<epoch>. */
      wakes: { sid: number; epoch: number }[];
      samplesStarted: string[];
      /** Schools whose newest delivery-log entry moved into a new second (the all-schools hint). */
      activity: { sid: number; ms: number }[];
    }
  | { kind: 'no_school'; sid: number }
  | { kind: 'id_taken'; id: string };

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A flat {a1, b1, a2, b2, …} reply as pairs of numbers. */
function pairsOf<T>(value: unknown, pair: (a: number, b: number) => T): T[] {
  const flat = Array.isArray(value) ? value : [];
  const out: T[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(pair(Number(flat[i]), Number(flat[i + 1])));
  return out;
}

/** Runs ingest-events for events whose schools live on the node of `routeKey`. */
export async function ingestEventsScript(redis: RedisClient, routeKey: string, input: IngestInput): Promise<IngestReply> {
  const answer = await runScript(redis, 'ingestEvents', [routeKey], [packScriptInput(input)]);
  const reply: unknown[] = Array.isArray(answer) ? answer : [];
  switch (reply[0]) {
    case 'no_school':
      return { kind: 'no_school', sid: Number(reply[1]) };
    case 'id_taken':
      return { kind: 'id_taken', id: String(reply[1]) };
    case 'ok':
      return {
        kind: 'ok', accepted: strings(reply[1]), duplicates: strings(reply[2]), wakes: pairsOf(reply[3], (sid, epoch) => ({ sid, epoch })),
        samplesStarted: strings(reply[4]), activity: pairsOf(reply[5], (sid, ms) => ({ sid, ms })),
      };
    default:
      throw new Error(`ingest-events answered ${JSON.stringify(reply[0])}`);
  }
}

/** One school's head outcome, as settle-heads takes it. */
export interface SettleItemInput {
  sid: string;
  token: string;
  id: string;
  /** The attempt as JSON ("" when the record is gone). */
  attempt: string;
  /** delivered | gone | the failure's outcome. */
  outcome: string;
  error: string;
}

export interface SettleInput {
  prefix: string;
  nowMs: number;
  retentionS: number;
  attemptsKept: number;
  items: SettleItemInput[];
}

export type SettleResult =
  | { kind: 'stale' | 'moved' | 'ok' | 'held' }
  | { kind: 'retry'; headAttempts: number; epoch: number };

const SETTLE_KINDS = new Set(['stale', 'moved', 'ok', 'held']);

function settleResult(reply: unknown): SettleResult {
  const [kind, headAttempts, epoch] = Array.isArray(reply) ? reply : [];
  if (kind === 'retry') return { kind, headAttempts: Number(headAttempts), epoch: Number(epoch) };
  if (typeof kind === 'string' && SETTLE_KINDS.has(kind)) return { kind: kind as 'stale' | 'moved' | 'ok' | 'held' };
  throw new Error(`settle-heads answered ${JSON.stringify(reply)}`);
}

/** Runs settle-heads for items whose schools live on the node of `routeKey`: one result per item, in order. */
export async function settleHeadsScript(redis: RedisClient, routeKey: string, input: SettleInput): Promise<SettleResult[]> {
  const replies = await runScript(redis, 'settleHeads', [routeKey], [packScriptInput(input)]);
  if (!Array.isArray(replies)) throw new Error(`settle-heads answered ${JSON.stringify(replies)}`);
  return replies.map(settleResult);
}

/** One event of a fetched head batch. */
export interface HeadEvent {
  id: string;
  /** The stored event JSON, or null when the record has expired or was deleted. */
  json: string | null;
  attempts: number;
  /** When classbell accepted the event (ms), for the ingest → acknowledged latency. */
  acceptedAtMs: number;
  /** The stored W3C traceparent, when the fetch asked for it and the event has one (docs/tracing.md). */
  trace?: string;
}

export type FetchReply =
  | { kind: 'stale' | 'idle' | 'held' }
  | { kind: 'ok'; endpointUrl: string; secret: string; events: HeadEvent[] };

const FETCH_REFUSALS = new Set(['stale', 'idle', 'held']);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Decodes fetch-head's reply: a refusal, or the endpoint, secret and 4 values per head event (5
 * with `withTrace`: the stored traceparent last).
 */
export function decodeFetchReply(reply: unknown, withTrace = false): FetchReply {
  const values = Array.isArray(reply) ? reply : [];
  const kind = values[0];
  if (typeof kind === 'string' && FETCH_REFUSALS.has(kind)) return { kind: kind as 'stale' | 'idle' | 'held' };
  if (kind !== 'ok') throw new Error(`fetch-head answered ${JSON.stringify(kind)}`);
  const events: HeadEvent[] = [];
  const stride = withTrace ? 5 : 4;
  for (let i = 3; i < values.length; i += stride) {
    const json: unknown = values[i + 1];
    const event: HeadEvent = { id: text(values[i]), json: typeof json === 'string' ? json : null, attempts: Number(values[i + 2] ?? 0), acceptedAtMs: Number(values[i + 3] ?? 0) };
    if (withTrace && typeof values[i + 4] === 'string') event.trace = values[i + 4] as string;
    events.push(event);
  }
  return { kind: 'ok', endpointUrl: text(values[1]), secret: text(values[2]), events };
}

export type SkipReply = { kind: 'empty' } | { kind: 'moved'; headId: string } | { kind: 'ok'; skippedId: string; wakeEpoch: number | null };

/** Decodes skip-head's reply. */
export function decodeSkipReply(reply: unknown): SkipReply {
  const [kind, id, epoch] = Array.isArray(reply) ? reply : [];
  if (kind === 'empty') return { kind };
  if (kind === 'moved') return { kind, headId: text(id) };
  if (kind === 'ok') return { kind, skippedId: text(id), wakeEpoch: typeof epoch === 'number' ? epoch : null };
  throw new Error(`skip-head answered ${JSON.stringify(kind)}`);
}

/** Decodes requeue-events' reply: how many were queued again, and the epoch of a drain to start. */
export function decodeRequeueReply(reply: unknown): { requeued: number; wakeEpoch: number | null } {
  const [count, epoch] = Array.isArray(reply) ? reply : [];
  if (typeof count !== 'number') throw new Error(`requeue-events answered ${JSON.stringify(reply)}`);
  return { requeued: count, wakeEpoch: typeof epoch === 'number' ? epoch : null };
}
