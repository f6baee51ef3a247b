import type { Redis } from 'ioredis';
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

/** Runs `task` every intervalMs in at most one process at a time (a Redis lock per task). */
export function every(redis: Redis, keys: Keys, name: string, intervalMs: number, task: () => Promise<unknown>, onError: (e: unknown) => void): () => void {
  const timer = setInterval(() => {
    void (async () => {
      const got = await redis.set(keys.lock(name), String(process.pid), 'PX', Math.max(1000, intervalMs - 100), 'NX');
      if (got === 'OK') await task();
    })().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
