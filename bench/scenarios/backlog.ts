/**
 * Memory of a backlog: BENCH_MEMORY_EVENTS (100,000; the figure is 1,000,000) events queued
 * for one dead school (connection refused). Redis bytes per queued event against the wire body,
 * then a worker process (`src/main.ts --role=worker`) sits on the backlog for BENCH_MEMORY_SIT_S
 * (20) seconds retrying the dead head, its RSS sampled every second.
 */
import { Classbell, handsUp, type EnvOverrides } from '../lib/classbell.js';
import { ClassbellProcess, freePort, rssBytes } from '../lib/child-classbell.js';
import { benchRedis, prefixBytes, usedMemory } from '../lib/redis-util.js';
import { BATCH_SIZE, FLOOD_LANES, sleep } from '../lib/workload.js';
import { completeBody, toWire, wirePrefix } from '../../src/domain/wire.js';
import { generateSecret, safeKey } from '../../src/domain/signing.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import type { ScenarioContext } from './context.js';

const SID = 9002;

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

export interface BacklogResult {
  queuedEvents: number;
  /** The body classbell pushes for one of these events (wire JSON + TimeStamp + SafeKey), bytes. */
  wireBodyBytes: number;
  /** Δ INFO used_memory ÷ events. */
  redisBytesPerQueuedEvent: number;
  /** Δ Σ MEMORY USAGE of the scenario's keys ÷ events. */
  redisKeyBytesPerQueuedEvent: number;
  keyBytesByKind: Record<string, number>;
  /** redisBytesPerQueuedEvent ÷ wireBodyBytes (target ≤ 2). */
  ratioToWire: number;
  ingestPerS: number;
  sitSeconds: number;
  /** Worker RSS in MB, sampled once a second while it retries the dead head. */
  workerRssMb: number[];
  workerRssFirstMb: number;
  workerRssLastMb: number;
  workerRssMaxMb: number;
  /** OBJECT ENCODING of a queued event's hash and the server's hash-max-listpack-value (why the hash costs what it does). */
  eventHashEncoding: string;
  hashMaxListpackValue: string;
  /** Byte length of the stored event JSON (`ev` field of the hash). */
  storedEventJsonBytes: number;
  /** Events still queued when the worker stopped (nothing may be lost or delivered). */
  queuedAfter: number;
}

export async function backlogScenario(ctx: ScenarioContext): Promise<BacklogResult> {
  const events = envInt('BENCH_MEMORY_EVENTS', 100_000);
  const sitSeconds = envInt('BENCH_MEMORY_SIT_S', 20);
  const env: EnvOverrides = { DELIVERY_TIMEOUT_MS: '1000', RETRY_SCHEDULE: '100ms,250ms,500ms,1s' };
  const cb = await Classbell.start('backlog', { workers: false, env });
  const redis = benchRedis();
  let worker: ClassbellProcess | undefined;
  try {
    const deadPort = await freePort();
    await cb.createApp();
    await cb.registerSchoolsDirect([SID], (sid) => `http://127.0.0.1:${deadPort}/s/${sid}`);
    const beforeUsed = await usedMemory(redis);
    const beforeKeys = await prefixBytes(redis, cb.prefix);
    let next = 1;
    const started = performance.now();
    await Promise.all(Array.from({ length: FLOOD_LANES }, async () => {
      while (next <= events) {
        const seq = next;
        next += BATCH_SIZE;
        const count = Math.min(BATCH_SIZE, events - seq + 1);
        await cb.ingest(Array.from({ length: count }, (_, i) => handsUp(SID, seq + i)));
      }
    }));
    const ingestPerS = events / ((performance.now() - started) / 1000);
    const afterUsed = await usedMemory(redis);
    const afterKeys = await prefixBytes(redis, cb.prefix);
    const queued = await redis.llen(cb.deps.keys.outbox(SID));
    if (queued !== events) throw new Error(`backlog: ${queued} events queued, expected ${events}`);
    const headId = await redis.lindex(cb.deps.keys.outbox(SID), 0);
    const headKey = `${cb.prefix}:{s${SID}}:e:${headId ?? ''}`;
    const eventHashEncoding = String(await redis.object('ENCODING', headKey));
    const storedEventJsonBytes = Buffer.byteLength((await redis.hget(headKey, 'ev')) ?? '');
    const listpack = (await redis.config('GET', 'hash-max-listpack-value')) as string[];
    const nowMs = Date.now();
    const ts = Math.floor(nowMs / 1000);
    const event = { ...handsUp(SID, events), id: DeliveryStore.assignId(SID, nowMs), actionTime: ts };
    const wireBodyBytes = Buffer.byteLength(completeBody(wirePrefix(toWire(event)), ts, safeKey(generateSecret(), ts)));
    const perEvent = (afterUsed - beforeUsed) / events;
    ctx.log(`memory: ${events} events queued for a dead school, ${Math.round(perEvent)} B each (wire ${wireBodyBytes} B); worker sits ${sitSeconds} s`);

    worker = await ClassbellProcess.start('worker', cb.prefix, env, { settleMs: 2000 });
    const samples: number[] = [];
    for (let s = 0; s < sitSeconds; s++) {
      samples.push(Math.round((await rssBytes(worker.pid)) / 1024 / 1024 * 10) / 10);
      await sleep(1000);
    }
    await worker.stop();
    const queuedAfter = await redis.llen(cb.deps.keys.outbox(SID));
    return {
      queuedEvents: queued, wireBodyBytes,
      redisBytesPerQueuedEvent: perEvent,
      redisKeyBytesPerQueuedEvent: (afterKeys.total - beforeKeys.total) / events,
      keyBytesByKind: Object.fromEntries(Object.entries(afterKeys.byKind).map(([kind, bytes]) =>
        [kind, Math.round(((bytes - (beforeKeys.byKind[kind] ?? 0)) / events) * 10) / 10])),
      ratioToWire: perEvent / wireBodyBytes,
      ingestPerS, sitSeconds,
      workerRssMb: samples, workerRssFirstMb: samples[0]!, workerRssLastMb: samples.at(-1)!, workerRssMaxMb: Math.max(...samples),
      eventHashEncoding, hashMaxListpackValue: listpack[1] ?? '?', storedEventJsonBytes,
      queuedAfter,
    };
  } finally {
    await worker?.stop();
    redis.disconnect();
    await cb.close();
  }
}
