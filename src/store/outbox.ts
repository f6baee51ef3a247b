import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';

/** One event as the ingest script takes it. */
export interface OutboxEntry {
  id: string;
  sid: number;
  /** The id was chosen by the client: checked for idempotency and indexed for look-up. */
  indexed: boolean;
  type: string;
  /** The normalized event, serialized once at ingest. */
  json: string;
  /** The class's in-class event list to append the id to (lesson summary), if any. */
  classListKey?: string;
  /** Append the raw event here instead of storing and pushing it (network samples). */
  sampleKey?: string;
}

export type IngestResult =
  | { kind: 'ok'; accepted: string[]; duplicates: string[]; wakes: { sid: number; epoch: number }[]; samplesStarted: string[] }
  | { kind: 'no_school'; sid: number }
  | { kind: 'id_taken'; id: string };

export interface HeadEvent {
  id: string;
  /** The stored event JSON, or null when the record has expired or was deleted. */
  json: string | null;
  attempts: number;
  /** When classbell accepted the event (ms), for the ingest → acknowledged latency. */
  acceptedAtMs: number;
}

export type FetchResult =
  | { kind: 'stale' | 'idle' | 'held' }
  | { kind: 'ok'; endpointUrl: string; secret: string; events: HeadEvent[] };

export type SettleResult =
  | { kind: 'stale' | 'moved' | 'ok' | 'held' }
  | { kind: 'retry'; headAttempts: number; epoch: number };

export interface Attempt {
  n: number;
  at: string;
  durationMs: number;
  httpStatus: number | null;
  errno: number | null;
  outcome: 'delivered' | 'rejected' | 'bad_response' | 'timeout' | 'network_error';
  response: string | null;
}

/** Attempts kept per event; a head that fails for days keeps only its latest ones. */
export const ATTEMPTS_KEPT = 50;

/** The per-school ordered outbox: ingest, drain (fetch → settle → yield) and operator actions. */
export class OutboxStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retentionS: number,
  ) {}

  /** Stores a batch atomically: all events or none. */
  async ingest(appId: string, entries: OutboxEntry[], nowMs = Date.now()): Promise<IngestResult> {
    const args: (string | number)[] = [this.keys.prefix, nowMs, appId, this.retentionS, entries.length];
    for (const e of entries) args.push(e.id, e.sid, e.indexed ? '1' : '0', e.type, e.json, e.classListKey ?? '', e.sampleKey ?? '');
    const reply = (await runScript(this.redis, 'ingestEvents', [], args)) as [string, ...unknown[]];
    if (reply[0] === 'no_school') return { kind: 'no_school', sid: Number(reply[1]) };
    if (reply[0] === 'id_taken') return { kind: 'id_taken', id: String(reply[1]) };
    const [, accepted, duplicates, wakes, samplesStarted] = reply as [string, string[], string[], (string | number)[], string[]];
    return { kind: 'ok', accepted, duplicates, wakes: pairs(wakes), samplesStarted };
  }

  /** Claims the school for a drain job (mode claim: check = epoch) or continues (mode next: check = token). */
  async fetchHead(sid: number, mode: 'claim' | 'next', check: string, token: string, batch: number): Promise<FetchResult> {
    const k = this.keys;
    const reply = (await runScript(
      this.redis, 'fetchHead',
      [k.school(sid), k.state(sid), k.outbox(sid), k.scheduled],
      [mode, check, token, batch, Date.now(), sid, k.eventPrefix(sid)],
    )) as (string | null)[];
    if (reply[0] !== 'ok') return { kind: reply[0] as 'stale' | 'idle' | 'held' };
    const events: HeadEvent[] = [];
    for (let i = 3; i < reply.length; i += 4) {
      events.push({ id: reply[i] as string, json: reply[i + 1] ?? null, attempts: Number(reply[i + 2] ?? 0), acceptedAtMs: Number(reply[i + 3] ?? 0) });
    }
    return { kind: 'ok', endpointUrl: reply[1] ?? '', secret: reply[2] ?? '', events };
  }

  /** Records the head's attempt (or `gone`: a head whose record vanished is dropped). */
  async settle(sid: number, token: string, eventId: string, attempt: Attempt | null, errorText = ''): Promise<SettleResult> {
    const k = this.keys;
    const reply = (await runScript(
      this.redis, 'settleHead',
      [k.school(sid), k.state(sid), k.outbox(sid), k.event(sid, eventId), k.scheduled, k.eventIndex(eventId), k.deliveriesPerMinute(sid)],
      [token, eventId, Date.now(), attempt ? JSON.stringify(attempt) : '', attempt?.outcome ?? 'gone', this.retentionS, ATTEMPTS_KEPT, sid, errorText],
    )) as [string, number?, number?];
    if (reply[0] === 'retry') return { kind: 'retry', headAttempts: Number(reply[1]), epoch: Number(reply[2]) };
    return { kind: reply[0] as 'stale' | 'moved' | 'ok' | 'held' };
  }

  /** Ends a slice with work left; returns the epoch of the follow-up job, or null if ownership was lost. */
  async yieldDrain(sid: number, token: string): Promise<number | null> {
    const reply = await runScript(this.redis, 'yieldDrain', [this.keys.state(sid), this.keys.scheduled], [token, Date.now(), sid]);
    return typeof reply === 'number' ? reply : null;
  }

  /** Skips the head (optionally only if it is `expectedId`). */
  async skipHead(sid: number, expectedId = ''): Promise<{ kind: 'empty' } | { kind: 'moved'; headId: string } | { kind: 'ok'; skippedId: string; wakeEpoch: number | null }> {
    const k = this.keys;
    const reply = (await runScript(
      this.redis, 'skipHead',
      [k.school(sid), k.state(sid), k.outbox(sid), k.scheduled],
      [Date.now(), this.retentionS, sid, k.eventPrefix(sid), expectedId],
    )) as [string, string?, (number | null)?];
    if (reply[0] === 'empty') return { kind: 'empty' };
    if (reply[0] === 'moved') return { kind: 'moved', headId: String(reply[1]) };
    return { kind: 'ok', skippedId: String(reply[1]), wakeEpoch: typeof reply[2] === 'number' ? reply[2] : null };
  }

  /** Appends settled events to the outbox again (redeliver, replay). */
  async requeue(sid: number, ids: string[]): Promise<{ requeued: number; wakeEpoch: number | null }> {
    const k = this.keys;
    const reply = (await runScript(
      this.redis, 'requeueEvents',
      [k.school(sid), k.state(sid), k.outbox(sid), k.scheduled],
      [Date.now(), sid, k.eventPrefix(sid), ...ids],
    )) as [number, number | null];
    return { requeued: reply[0], wakeEpoch: typeof reply[1] === 'number' ? reply[1] : null };
  }
}

function pairs(flat: (string | number)[]): { sid: number; epoch: number }[] {
  const out: { sid: number; epoch: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ sid: Number(flat[i]), epoch: Number(flat[i + 1]) });
  return out;
}
