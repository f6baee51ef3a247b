/** Redis memory per queued event: 10,000 events ingested for one active school whose drain is not running. */
import { Classbell, handsUp } from '../lib/classbell.js';
import { benchRedis, prefixBytes, usedMemory } from '../lib/redis-util.js';
import { BATCH_SIZE } from '../lib/workload.js';
import type { ScenarioContext } from './context.js';

export const QUEUED_EVENTS = 10_000;
const SID = 9001;

export interface MemoryResult {
  /** Δ INFO used_memory ÷ events (the whole server: other Redis users add noise). */
  redisBytesPerQueuedEvent: number;
  /** Δ Σ MEMORY USAGE of this scenario's keys ÷ events (only classbell's keys). */
  redisKeyBytesPerQueuedEvent: number;
  queuedEvents: number;
  /** Δ MEMORY USAGE per queued event by kind of key (event hashes, outbox list, delivery logs, BullMQ). */
  keyBytesByKind: Record<string, number>;
  /**
   * Δ Σ MEMORY USAGE ÷ events once they were all delivered: what a stored in-class event costs
   * while it is kept for the lesson summary and the delivery log (event hash with its attempt,
   * log entries, the class's event list).
   */
  redisKeyBytesPerStoredInClassEvent: number;
}

export async function memoryScenario(ctx: ScenarioContext): Promise<MemoryResult> {
  const cb = await Classbell.start('memory');
  const redis = benchRedis();
  try {
    await cb.createApp();
    // Workers run only for the registration test push; with them stopped, events stay queued.
    await cb.createSchools([SID], (sid) => ctx.receiver.url(sid));
    await cb.stopWorkers();
    const beforeUsed = await usedMemory(redis);
    const beforeKeys = await prefixBytes(redis, cb.prefix);
    for (let seq = 1; seq <= QUEUED_EVENTS; seq += BATCH_SIZE) {
      const count = Math.min(BATCH_SIZE, QUEUED_EVENTS - seq + 1);
      await cb.ingest(Array.from({ length: count }, (_, i) => handsUp(SID, seq + i)));
    }
    const afterUsed = await usedMemory(redis);
    const afterKeys = await prefixBytes(redis, cb.prefix);
    const queued = await redis.llen(cb.deps.keys.outbox(SID));
    if (queued !== QUEUED_EVENTS) throw new Error(`memory scenario: ${queued} events queued, expected ${QUEUED_EVENTS}`);
    ctx.log(`memory: ${QUEUED_EVENTS} events queued for one school`);
    cb.startWorkers();
    for (let waited = 0; (await redis.llen(cb.deps.keys.outbox(SID))) > 0; waited += 50) {
      if (waited > 120_000) throw new Error('memory scenario: events not delivered within 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    await cb.stopWorkers();
    const deliveredKeys = await prefixBytes(redis, cb.prefix);
    return {
      redisBytesPerQueuedEvent: (afterUsed - beforeUsed) / QUEUED_EVENTS,
      redisKeyBytesPerQueuedEvent: (afterKeys.total - beforeKeys.total) / QUEUED_EVENTS,
      keyBytesByKind: Object.fromEntries(Object.entries(afterKeys.byKind).map(([kind, bytes]) =>
        [kind, Math.round(((bytes - (beforeKeys.byKind[kind] ?? 0)) / QUEUED_EVENTS) * 10) / 10])),
      queuedEvents: queued,
      redisKeyBytesPerStoredInClassEvent: (deliveredKeys.total - beforeKeys.total) / QUEUED_EVENTS,
    };
  } finally {
    redis.disconnect();
    await cb.close();
  }
}
