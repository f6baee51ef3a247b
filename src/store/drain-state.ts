import { readEach, type RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

/**
 * A school's drain state (the hash `<prefix>:{s<sid>}:st`), as the outbox scripts keep it (their
 * typed calls: outbox-scripts.ts, drain-scripts.ts, school-scripts.ts).
 *
 * | field | written by | meaning |
 * |---|---|---|
 * | epoch | wake, reschedule (yield, settle failure, take-over-drain), mark-school-deleting | +1 for every new drain job; job `d-<sid>-<epoch>` is the only one that may claim. Kept when the school is deleted, so a school created again with the same sid never reuses a job id |
 * | sched | wake, reschedule ("1"), release ("0") | exactly one drain job is queued, delayed or running |
 * | owner | fetch-head claim (token), fetch-head next and settle-heads when they leave the drainer waiting (the wait's own token), wake/reschedule/release ("") | the drainer pushing now; every write of a drainer checks it |
 * | phase | all of the above; fetch-head next and settle-heads (draining → waiting), fetch-head next and the ingest's handover (waiting → draining) | idle · queued · draining · waiting · retry_wait |
 * | wch | fetch-head next and settle-heads (waiting), cleared by every other transition | while waiting: the worker's wake channel (drain-wakes.ts); the ingest hands the school's new head there (or publishes the owner token, when the outbox held events already), wake() and mark-school-deleting publish the owner token there |
 * | at | all of the above | when sched/phase last changed (ms): the reconciler's age test |
 * | headAttempts, headFailingSince | settle-heads (failure +1, delivery 0), skip-head | the failing head |
 * | retryOf, retryReply | settle-heads (failure) | the last failure's "<token>/<event id>" and "<headAttempts>/<epoch>": a settle sent again after a lost reply answers the same |
 * | hold, subs | create-school, set-school-status, SchoolStore.update, mark-school-deleting | mirror of the school's status ("1" = not active) and subscriptions for the ingest |
 * | deleting | mark-school-deleting | "1" while a delete is being finished: the ingest refuses the sid |
 * | ls | ingest-events | ms of the newest delivery-log entry |
 * | delivered, failedAttempts, skipped, lastDeliveredAt, lastError, lastErrorAt | settle-heads, skip-head | counters for stats |
 *
 * Transitions: idle →(events arrive, school active: wake)→ queued →(claim)→ draining →(outbox
 * empty or school held: release)→ idle; draining →(outbox empty, the worker lets it linger)→
 * waiting →(the ingest hands the new events to the drainer, or an event is published to it and it
 * fetches)→ draining, or →(the wait ended with
 * the outbox still empty: release)→ idle; draining →(slice over: yield)→ queued; draining →(push
 * failed: reschedule)→ retry_wait →(retry job claims)→ draining; queued, draining or waiting →(the job's
 * worker process died: take-over-drain)→ queued with a new epoch. A delete sets deleting and bumps
 * the epoch (every job of the school goes stale) and finally leaves only `epoch`.
 */
export interface DrainState {
  epoch: number;
  scheduled: boolean;
  owner: string;
  phase: 'idle' | 'queued' | 'draining' | 'waiting' | 'retry_wait';
  headAttempts: number;
  /** When sched/phase last changed (ms). */
  atMs: number;
}

const FIELDS = ['epoch', 'sched', 'owner', 'phase', 'headAttempts', 'at'] as const;

function parse(values: (string | null)[]): DrainState {
  const [epoch, sched, owner, phase, headAttempts, at] = values;
  return {
    epoch: Number(epoch ?? 0),
    scheduled: sched === '1',
    owner: owner ?? '',
    phase: (phase ?? 'idle') as DrainState['phase'],
    headAttempts: Number(headAttempts ?? 0),
    atMs: Number(at ?? 0),
  };
}

/** The drain state of one school. */
export async function readDrainState(redis: RedisClient, keys: Keys, sid: number): Promise<DrainState> {
  return parse(await redis.hmget(keys.state(sid), ...FIELDS));
}

/** The drain states of many schools (one round trip on a single Redis). */
export async function readDrainStates(redis: RedisClient, keys: Keys, sids: readonly number[]): Promise<DrainState[]> {
  const rows = await readEach<number, (string | null)[]>(redis, sids, (pipeline, sid) => pipeline.hmget(keys.state(sid), ...FIELDS));
  return rows.map(parse);
}
