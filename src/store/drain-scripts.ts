import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { arrayReply, codeOf, epochOrNull, isInteger, numeric, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/**
 * The typed calls of the scripts that move a school's drain state (drain-state.ts): fetch-head,
 * yield-drain, take-over-drain and the operator's skip-head and requeue-events; and push-window,
 * the drain's push-rate limit. Each takes a few scalars, passed as they are (fetch-head runs once
 * per pushed batch, push-window twice per push: no packing).
 */

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
  | { kind: 'stale' | 'idle' | 'held' | 'waiting' }
  | { kind: 'ok'; endpointUrl: string; secret: string; events: HeadEvent[] };

export type SkipReply = { kind: 'empty' } | { kind: 'moved'; headId: string } | { kind: 'ok'; skippedId: string; wakeEpoch: number | null };

/** push-window's two uses: may a push start under `limit` a second, or record one that ended. */
export type PushWindowInput = { sid: number } & ({ action: 'permit'; limit: number } | { action: 'record'; member: string });

export interface RequeueReply {
  requeued: number;
  /** The epoch of a drain job to add now, or null. */
  wakeEpoch: number | null;
}

const FETCH_REFUSALS = ['stale', 'idle', 'held', 'waiting'] as const;
/** Per head event: id, json (false: gone), attempts, accepted at (ms). */
const HEAD_FIELDS = 4;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Decodes fetch-head's reply: a refusal, or the endpoint, secret and HEAD_FIELDS values per head
 * event (one more with `withTrace`: the stored traceparent, or false).
 */
function decodeFetch(reply: unknown, withTrace = false): FetchReply {
  const values = arrayReply('fetchHead', reply);
  const kind = values[0];
  const refusal = codeOf(kind, FETCH_REFUSALS);
  if (refusal) return { kind: refusal };
  const stride = withTrace ? HEAD_FIELDS + 1 : HEAD_FIELDS;
  if (kind !== 'ok' || values.length < 3 || (values.length - 3) % stride !== 0) return unexpected('fetchHead', reply);
  const events: HeadEvent[] = [];
  for (let i = 3; i < values.length; i += stride) {
    const [id, json] = [values[i], values[i + 1]];
    const attempts = numeric(values[i + 2]);
    const acceptedAtMs = numeric(values[i + 3]);
    if (typeof id !== 'string' || (json !== null && typeof json !== 'string') || attempts === undefined || acceptedAtMs === undefined) {
      return unexpected('fetchHead', reply);
    }
    const event: HeadEvent = { id, json, attempts, acceptedAtMs };
    if (withTrace && typeof values[i + 4] === 'string') event.trace = values[i + 4] as string;
    events.push(event);
  }
  // A school without an endpoint or secret field reads as '' (the push then fails and is retried).
  return { kind: 'ok', endpointUrl: text(values[1]), secret: text(values[2]), events };
}

function decodeSkip(reply: unknown): SkipReply {
  const [kind, id, epoch] = arrayReply('skipHead', reply);
  if (kind === 'empty') return { kind };
  if (kind === 'moved' && typeof id === 'string') return { kind, headId: id };
  if (kind === 'ok' && typeof id === 'string') return { kind, skippedId: id, wakeEpoch: epochOrNull('skipHead', reply, epoch) };
  return unexpected('skipHead', reply);
}

function decodeRequeue(reply: unknown): RequeueReply {
  const [count, epoch] = arrayReply('requeueEvents', reply);
  if (!isInteger(count)) return unexpected('requeueEvents', reply);
  return { requeued: count, wakeEpoch: epochOrNull('requeueEvents', reply, epoch) };
}

/** The drain scripts over one key prefix. */
export class DrainScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The three keys of a school that the drain transitions touch. */
  private schoolKeys(sid: number): string[] {
    const k = this.keys;
    return [k.school(sid), k.state(sid), k.outbox(sid)];
  }

  /**
   * fetch-head: claims the school for a drain job (mode claim: `check` is the job's epoch) or
   * continues its slice (mode next: `check` is the owner token), and returns up to `batch` head events.
   * With `wakeChannel` (mode next), an empty outbox leaves the school to the drainer, waiting for a
   * message on that channel (`waiting`), instead of releasing it (`idle`).
   */
  async fetchHead(a: { sid: number; mode: 'claim' | 'next'; check: string; token: string; batch: number; nowMs: number; withTrace?: boolean; wakeChannel?: string }): Promise<FetchReply> {
    const args: (string | number)[] = [a.mode, a.check, a.token, a.batch, a.nowMs, this.keys.eventPrefix(a.sid)];
    if (a.withTrace || a.wakeChannel) args.push(a.withTrace ? '1' : '0');
    if (a.wakeChannel) args.push(a.wakeChannel);
    return decodeFetch(await runScript(this.redis, 'fetchHead', this.schoolKeys(a.sid), args), a.withTrace);
  }

  /** yield-drain: ends a slice with work left; the epoch of the follow-up job, or null when ownership was lost. */
  async yieldDrain(a: { sid: number; token: string; nowMs: number }): Promise<number | null> {
    const reply = await runScript(this.redis, 'yieldDrain', [this.keys.state(a.sid)], [a.token, a.nowMs]);
    return epochOrNull('yieldDrain', reply, reply);
  }

  /** take-over-drain: a new drain job for a school whose job of `epoch` died; its epoch, or null. */
  async takeOverDrain(a: { sid: number; epoch: number; nowMs: number }): Promise<number | null> {
    const reply = await runScript(this.redis, 'takeOverDrain', [this.keys.state(a.sid)], [a.epoch, a.nowMs]);
    return epochOrNull('takeOverDrain', reply, reply);
  }

  /** skip-head: drops the head event (only if it is `expectedId`, unless that is ''). */
  async skipHead(a: { sid: number; nowMs: number; retentionS: number; expectedId: string }): Promise<SkipReply> {
    return decodeSkip(await runScript(this.redis, 'skipHead', this.schoolKeys(a.sid), [a.nowMs, a.retentionS, this.keys.eventPrefix(a.sid), a.expectedId]));
  }

  /** push-window: permit answers 0 (push now) or the ms to wait; record answers 0. */
  async pushWindow(a: PushWindowInput): Promise<number> {
    const reply = await runScript(this.redis, 'pushWindow', [this.keys.pushWindow(a.sid)], a.action === 'permit' ? ['permit', a.limit] : ['record', a.member]);
    return isInteger(reply) && reply >= 0 && (a.action === 'permit' || reply === 0) ? reply : unexpected('pushWindow', reply);
  }

  /** requeue-events: appends settled events to the outbox again (redeliver, replay). */
  async requeueEvents(a: { sid: number; nowMs: number; ids: readonly string[] }): Promise<RequeueReply> {
    return decodeRequeue(await runScript(this.redis, 'requeueEvents', this.schoolKeys(a.sid), [a.nowMs, this.keys.eventPrefix(a.sid), ...a.ids]));
  }
}
