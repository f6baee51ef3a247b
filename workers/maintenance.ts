import type { Redis } from 'ioredis';
import type { Deps } from '../src/deps.js';
import { summaryJobId, verifyJobId } from '../src/queue/jobs.js';
import type { Keys } from '../src/store/keys.js';
import type { WorkerContext } from './context.js';

/** A school whose drain state has not moved for this long is checked for a missing job. */
export const RECONCILE_AFTER_MS = 30_000;

/**
 * Finds schools marked as scheduled whose drain job no longer exists (the process that marked
 * them died between the Redis write and adding the job, or BullMQ gave up on a stalled job) and
 * adds the job again. Safe to run in many processes at once: job ids are deterministic.
 */
export async function reconcileDrains(ctx: WorkerContext, redis: Redis, keys: Keys, nowMs = Date.now()): Promise<number> {
  const sids = await redis.zrangebyscore(keys.scheduled, '-inf', nowMs - RECONCILE_AFTER_MS, 'LIMIT', 0, 1000);
  let readded = 0;
  for (const text of sids) {
    const sid = Number(text);
    const [sched, epoch] = await redis.hmget(keys.state(sid), 'sched', 'epoch');
    if (sched !== '1' || epoch === null) {
      await redis.zrem(keys.scheduled, text);
      continue;
    }
    if (await ctx.scheduler.drainJobExists(sid, Number(epoch))) {
      // Alive (a long retry delay, or a drain in progress): look again later.
      await redis.zadd(keys.scheduled, 'XX', nowMs, text);
      continue;
    }
    ctx.logger.warn('drain job missing for a scheduled school; adding it again', { sid, epoch: Number(epoch) });
    await ctx.scheduler.drain(sid, Number(epoch));
    await redis.zadd(keys.scheduled, 'XX', nowMs, text);
    readded++;
  }
  return readded;
}

/**
 * Runs `task` every intervalMs in at most one process at a time (a Redis lock per task), and once
 * soon after start: a worker restarted in a crash loop must not wait a whole interval.
 */
export function every(redis: Redis, keys: Keys, name: string, intervalMs: number, task: () => Promise<unknown>, onError: (e: unknown) => void): () => void {
  const run = () => {
    void (async () => {
      const got = await redis.set(keys.lock(name), String(process.pid), 'PX', Math.max(1000, intervalMs - 100), 'NX');
      if (got === 'OK') await task();
    })().catch(onError);
  };
  const first = setTimeout(run, 500 + Math.floor(Math.random() * 1000));
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

/** A summary job may be this late before the reconciler adds it again. */
export const SUMMARY_GRACE_MS = 60_000;

/**
 * Classes whose summary is overdue and still not settled get their job again (it was lost: the
 * API could not add it while Redis was away, or BullMQ gave up on it). The summary event has a
 * fixed id, so a job that was only slow cannot push twice.
 */
export async function reconcileSummaries(deps: Deps, nowMs = Date.now()): Promise<number> {
  let readded = 0;
  for (const { sid, classId } of await deps.classes.dueBefore(nowMs - SUMMARY_GRACE_MS, 500)) {
    const record = await deps.classes.get(sid, classId);
    if (!record || record.summary !== 'scheduled') {
      await deps.classes.clearDue(sid, classId);
      continue;
    }
    if (await deps.scheduler.jobExists(summaryJobId(sid, classId, record.version))) continue;
    deps.logger.warn('summary job missing for an overdue class; adding it again', { sid, classId });
    await deps.scheduler.summary(sid, classId, record.version, Date.now());
    readded++;
  }
  return readded;
}

/** A school pending verification for this long without a verify job gets one again. */
export const VERIFY_GRACE_MS = 60_000;

export async function reconcileVerifications(deps: Deps, nowMs = Date.now()): Promise<number> {
  let readded = 0;
  for (const school of await deps.schools.list()) {
    if (school.status !== 'pending' || !school.verifyId || nowMs - Date.parse(school.updatedAt) < VERIFY_GRACE_MS) continue;
    if (await deps.scheduler.jobExists(verifyJobId(school.sid, school.verifyId))) continue;
    deps.logger.warn('verify job missing for a pending school; adding it again', { sid: school.sid });
    await deps.scheduler.verify(school.sid, school.verifyId);
    readded++;
  }
  return readded;
}
