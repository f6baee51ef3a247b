import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { packScriptInput } from './script-args.js';
import { arrayReply, codeOf, isInteger, numberPairs, numeric, stringList, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/**
 * The typed calls of the outbox's batch scripts (ingest-events, settle-heads): each builds its
 * KEYS and its one msgpack-packed structure and decodes the reply into named outcomes. The drain's
 * own scripts (fetch, yield, take-over, skip, requeue) are in drain-scripts.ts.
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

/** ingest-events' input; every event's school lives on one Redis node (the first one routes the call). */
export interface IngestInput {
  nowMs: number;
  appId: string;
  retentionS: number;
  mode: 'strict' | 'check' | 'apply';
  events: IngestEventInput[];
  /** At most this many of a school's new events are handed to its drainer waiting on the empty outbox (0: it is only woken). */
  handoff?: number;
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
      /** Events an apply left out (they failed their check). */
      skipped: string[];
    }
  | { kind: 'no_school'; sid: number }
  | { kind: 'id_taken'; id: string };

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
  /** The drainer's wake channel, when it may wait on the school's outbox if this head was its last event. */
  wch?: string;
  /** With wch: the drainer's token for that wait (its owner token once it waits). */
  nt?: string;
}

/** settle-heads' input; every item's school lives on one Redis node (the first one routes the call). */
export interface SettleInput {
  nowMs: number;
  retentionS: number;
  attemptsKept: number;
  items: SettleItemInput[];
}

export type SettleResult =
  | { kind: 'stale' | 'moved' | 'ok' | 'waiting' | 'held' }
  | { kind: 'retry'; headAttempts: number; epoch: number };

const SETTLE_CODES = ['stale', 'moved', 'ok', 'waiting', 'held'] as const;

const EMPTY_INGEST: IngestReply = { kind: 'ok', accepted: [], duplicates: [], wakes: [], samplesStarted: [], activity: [], skipped: [] };

/** Decodes ingest-events' reply (a check answers a bare {"ok"}). */
function decodeIngest(answer: unknown, mode: IngestInput['mode']): IngestReply {
  const reply = arrayReply('ingestEvents', answer);
  const [kind, a, b, c, d, e, f] = reply;
  if (kind === 'no_school' && numeric(a) !== undefined) return { kind, sid: numeric(a)! };
  if (kind === 'id_taken' && typeof a === 'string') return { kind, id: a };
  if (kind !== 'ok') return unexpected('ingestEvents', answer);
  if (mode === 'check' && reply.length === 1) return { ...EMPTY_INGEST };
  const list = (value: unknown) => stringList('ingestEvents', answer, value);
  return {
    kind, accepted: list(a), duplicates: list(b), wakes: numberPairs('ingestEvents', answer, c, (sid, epoch) => ({ sid, epoch })),
    samplesStarted: list(d), activity: numberPairs('ingestEvents', answer, e, (sid, ms) => ({ sid, ms })), skipped: list(f ?? []),
  };
}

function decodeSettle(answer: unknown, items: number): SettleResult[] {
  const replies = arrayReply('settleHeads', answer);
  if (replies.length !== items) unexpected('settleHeads', answer);
  return replies.map((reply) => {
    const [kind, headAttempts, epoch] = arrayReply('settleHeads', reply);
    if (kind === 'retry' && isInteger(headAttempts) && isInteger(epoch)) return { kind, headAttempts, epoch };
    const code = codeOf(kind, SETTLE_CODES);
    return code ? { kind: code } : unexpected('settleHeads', answer);
  });
}

/** The outbox's batch scripts over one key prefix. */
export class OutboxScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** ingest-events: stores (or checks) the events of one node's part of a batch. */
  async ingestEvents(input: IngestInput): Promise<IngestReply> {
    const routeKey = this.keys.school(Number(input.events[0]!.sid));
    const answer = await runScript(this.redis, 'ingestEvents', [routeKey], [packScriptInput({ prefix: this.keys.prefix, ...input })]);
    return decodeIngest(answer, input.mode);
  }

  /** settle-heads: records the head outcomes of one node's schools; one result per item, in order. */
  async settleHeads(input: SettleInput): Promise<SettleResult[]> {
    const routeKey = this.keys.school(Number(input.items[0]!.sid));
    const answer = await runScript(this.redis, 'settleHeads', [routeKey], [packScriptInput({ prefix: this.keys.prefix, ...input })]);
    return decodeSettle(answer, input.items.length);
  }
}
