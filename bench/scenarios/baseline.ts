/**
 * The yardstick: bare BullMQ, one job per event, no ordering. Each job builds the body exactly as
 * classbell's drain does and posts it with the same PushClient to the same receivers.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { classifyReply } from '../../src/domain/ack.js';
import type { ClassEvent } from '../../src/domain/events.js';
import { generateSecret } from '../../src/domain/signing.js';
import { PushClient } from '../../src/lib/http-push.js';
import { createBullConnection } from '../../src/lib/redis.js';
import { JOB_DEFAULTS } from '../../src/queue/jobs.js';
import { benchConfig, type BenchEvent } from '../lib/classbell.js';
import { CpuMeter, type CpuPerEvent } from '../lib/cpu.js';
import { nowEpochMs } from '../lib/receiver-protocol.js';
import { acceptedEvent, signedPush } from '../lib/signed-push.js';
import { benchRedis, dropPrefix, uniquePrefix } from '../lib/redis-util.js';
import { ratePerS } from '../lib/stats.js';
import { floodPlan, runLanes, schoolIds, warmupEvents } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';
import { floodTimeline, type FloodTimeline } from './timeline.js';

/** Connections per receiver origin: what classbell's workers use (PUSH_CONNECTIONS_PER_ORIGIN or its default). */
export const CONNECTIONS_PER_ORIGIN = benchConfig('bench').pushConnectionsPerOrigin;

export interface BaselineResult {
  addPerS: number;
  deliveredPerS: number;
  /** Expected > 0: the baseline does not keep per-school order. */
  orderViolations: number;
  duplicates: number;
  workerConcurrency: number;
  /** CPU per event of the bench process (bare BullMQ's producer and worker), Redis and the receivers. */
  floodCpu: CpuPerEvent;
  /** Seconds from the first addBulk to the last one's return and to each share of acknowledgements. */
  floodTimeline: FloodTimeline;
}

interface PushJob {
  event: ClassEvent;
}

export async function baselineScenario(ctx: ScenarioContext): Promise<BaselineResult> {
  const prefix = uniquePrefix('baseline');
  const config = benchConfig(prefix);
  const sids = schoolIds(ctx.schools);
  const schools = new Map(sids.map((sid) => [sid, { url: ctx.receiver.url(sid), secret: generateSecret() }]));
  const client = new PushClient({ connectionsPerOrigin: CONNECTIONS_PER_ORIGIN });
  const queueConnection = createBullConnection(config);
  const workerConnection = createBullConnection(config);
  const queue = new Queue<PushJob>('baseline', { connection: queueConnection, prefix: `${prefix}:bull`, defaultJobOptions: JOB_DEFAULTS });
  const worker = new Worker<PushJob>(
    'baseline',
    async (job: Job<PushJob>) => {
      const { event } = job.data;
      const school = schools.get(event.sid)!;
      const { body, headers } = signedPush(event, school.secret);
      const result = await client.post(school.url, body, headers, config.deliveryTimeoutMs);
      if (result.kind !== 'reply') throw new Error(`${result.kind}: ${result.error}`);
      const { outcome } = classifyReply(result.status, result.body);
      if (outcome !== 'delivered') throw new Error(`push ${outcome} (HTTP ${result.status})`);
    },
    {
      connection: workerConnection,
      prefix: `${prefix}:bull`,
      concurrency: config.workerConcurrency,
      lockDuration: Math.max(30_000, config.deliveryTimeoutMs * 2),
      stalledInterval: 15_000,
      maxStalledCount: 10,
    },
  );
  worker.on('error', (error) => console.error('baseline worker problem:', error.message));
  try {
    await worker.waitUntilReady();
    await queue.waitUntilReady();
    const add = async (batch: BenchEvent[]) => {
      const nowMs = Date.now();
      await queue.addBulk(batch.map((e) => ({ name: 'push', data: { event: acceptedEvent(e, nowMs) } })));
      return nowEpochMs();
    };
    const warmup = warmupEvents(ctx.events);
    if (warmup > 0) {
      await ctx.receiver.reset();
      await runLanes(floodPlan(sids, warmup), add);
      if (!(await ctx.receiver.waitFor(warmup, deliveryTimeoutMs(warmup))).reached) throw new Error('baseline: warm-up not delivered in time');
    }
    await ctx.receiver.reset();
    const plan = floodPlan(sids, ctx.events);
    ctx.log(`baseline: bare BullMQ, ${ctx.events} jobs, concurrency ${config.workerConcurrency}`);
    const meterRedis = benchRedis();
    const cpu = await CpuMeter.start(meterRedis, ctx.receiver.pid);
    const firstStartMs = nowEpochMs();
    const addedAt = await runLanes(plan, add);
    const lastAddMs = Math.max(...addedAt);
    const { reached, stats } = await ctx.receiver.waitFor(ctx.events, deliveryTimeoutMs(ctx.events));
    const floodCpu = await cpu.perEvent(ctx.events);
    meterRedis.disconnect();
    if (!reached || stats.lastAtMs === null) throw new Error(`baseline delivered ${stats.events} of ${ctx.events} events in time`);
    const timeline = await floodTimeline(ctx, firstStartMs, lastAddMs);
    return {
      addPerS: ratePerS(ctx.events, firstStartMs, lastAddMs),
      deliveredPerS: ratePerS(ctx.events, firstStartMs, stats.lastAtMs),
      orderViolations: stats.orderViolations,
      duplicates: stats.duplicates,
      workerConcurrency: config.workerConcurrency,
      floodCpu,
      floodTimeline: timeline,
    };
  } finally {
    await worker.close();
    await queue.close();
    await client.close();
    queueConnection.disconnect();
    workerConnection.disconnect();
    await dropPrefix(prefix);
  }
}
