/**
 * classbell end to end with strict per-school ordering: a flood of N events over the HTTP API
 * (throughput), then a steady 1,000 events/s for 10 s (latency, ingest 202 → acknowledged, its
 * p99.9 and per-stage breakdown) and a steady 5,000 events/s for 5 s (its p99).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Classbell, handsUp, type BenchEvent, type IngestTiming } from '../lib/classbell.js';
import { CpuMeter, type CpuPerEvent } from '../lib/cpu.js';
import { PhaseProfiler, type SelfTime } from '../lib/profile.js';
import { benchRedis } from '../lib/redis-util.js';
import { combine, percentile, ratePerS } from '../lib/stats.js';
import { floodPlan, schoolIds, sleep, warmupEvents } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';
import { floodTimeline, type FloodTimeline } from './timeline.js';
import { EventsRecorder, latencyStages, type LatencyStages } from '../lib/stages.js';

export const LATENCY_RATE_PER_S = 1000;
export const LATENCY_DURATION_S = 10;
/** The second steady phase: a higher rate, for its p99 (`p99At5000Ms`). */
export const HIGH_RATE_PER_S = 5000;
export const HIGH_RATE_DURATION_S = 5;
/** One request every TICK_MS carrying rate × TICK_MS / 1000 events for different schools. */
const TICK_MS = 10;

export interface RelayResult {
  ingestPerS: number;
  deliveredPerS: number;
  floodSeconds: number;
  wireBytesPerEvent: number;
  orderViolations: number;
  duplicates: number;
  malformed: number;
  p50Ms: number;
  p99Ms: number;
  /** p99.9, 202 → ack, of the same 1,000/s phase. */
  p999Ms: number;
  /** The 5,000/s phase: offered rate, p50 / p99 / max, 202 → ack. */
  highRateOfferedPerS: number;
  p50At5000Ms: number;
  p99At5000Ms: number;
  maxAt5000Ms: number;
  /** Where the 1,000/s phase's time went, per stage (bench/lib/stages.ts); not for the chart's points. */
  latencyStages?: LatencyStages;
  /**
   * CPU per event of the 1,000/s phase (most events wake an idle drain: the costlier regime of a
   * school with few events): the bench process (classbell and the phase's driver, which posts
   * from it), Redis, receivers.
   */
  steadyCpu: CpuPerEvent;
  p50FromRequestMs: number;
  p99FromRequestMs: number;
  maxMs: number;
  latencyEvents: number;
  /** Events/s the latency driver actually offered (should be ~1,000). */
  latencyOfferedPerS: number;
  /** Worst lateness of a tick behind its schedule (the bench process itself was busy). */
  latencyDriverLagMaxMs: number;
  /** Requests that had to wait for an earlier request of the same school (keeps acceptance order). */
  latencyChainedRequests: number;
  /** Of orderViolations / duplicates, those seen in the latency phase (ordering must hold there too). */
  latencyOrderViolations: number;
  latencyDuplicates: number;
  /** Event-loop delay of the bench process (API + workers + driver) during the latency phase, ms. */
  latencyLoopDelayP99Ms: number;
  latencyLoopDelayMaxMs: number;
  /** The first offending pushes seen by the receiver (empty when order held). */
  violationSamples: string[];
  /** CPU per event of the bench process (classbell's API + workers + driver), Redis and the receivers during the flood. */
  floodCpu: CpuPerEvent;
  /** Seconds from the flood's first ingest request to its last 202 and to each share of acknowledgements. */
  floodTimeline: FloodTimeline;
  profile?: { file: string; top: SelfTime[]; byFile: SelfTime[] };
}

export type FloodResult = Pick<RelayResult, 'ingestPerS' | 'deliveredPerS' | 'floodSeconds' | 'wireBytesPerEvent' | 'orderViolations' | 'duplicates' | 'malformed' | 'violationSamples' | 'floodCpu' | 'floodTimeline' | 'profile'>;

/** Posts a flood plan's batches from the load generator's process; its first post and last 202, epoch ms. */
export async function postPlan(ctx: ScenarioContext, cb: Classbell, plan: BenchEvent[][][]): Promise<{ firstStartMs: number; lastAckMs: number }> {
  const { url, headers } = cb.ingestTarget;
  return ctx.load.lanes(url, headers, plan.map((batches) => batches.map((events) => JSON.stringify({ events }))));
}

export async function flood(ctx: ScenarioContext, cb: Classbell, sids: number[]): Promise<FloodResult> {
  const warmup = warmupEvents(ctx.events);
  if (warmup > 0) {
    await ctx.receiver.reset();
    await postPlan(ctx, cb, floodPlan(sids, warmup));
    if (!(await ctx.receiver.waitFor(warmup, deliveryTimeoutMs(warmup))).reached) throw new Error('classbell: warm-up not delivered in time');
  }
  const plan = floodPlan(sids, ctx.events);
  await ctx.receiver.reset();
  const profiler = ctx.profile ? new PhaseProfiler() : undefined;
  await profiler?.start();
  const meterRedis = benchRedis();
  const cpu = await CpuMeter.start(meterRedis, ctx.receiver.pid);
  const { firstStartMs, lastAckMs } = await postPlan(ctx, cb, plan);
  const { reached, stats } = await ctx.receiver.waitFor(ctx.events, deliveryTimeoutMs(ctx.events));
  const floodCpu = await cpu.perEvent(ctx.events);
  meterRedis.disconnect();
  const profile = profiler
    ? await profiler.stop(fileURLToPath(new URL('../flood.cpuprofile', import.meta.url))).then((p) => ({ file: 'bench/flood.cpuprofile', top: p.total, byFile: p.byFile }))
    : undefined;
  if (!reached || stats.lastAtMs === null) throw new Error(`classbell delivered ${stats.events} of ${ctx.events} events in time`);
  const timeline = await floodTimeline(ctx, firstStartMs, lastAckMs);
  return {
    ingestPerS: ratePerS(ctx.events, firstStartMs, lastAckMs),
    deliveredPerS: ratePerS(ctx.events, firstStartMs, stats.lastAtMs),
    floodSeconds: (stats.lastAtMs - firstStartMs) / 1000,
    wireBytesPerEvent: stats.bodyBytes / stats.events,
    orderViolations: stats.orderViolations,
    duplicates: stats.duplicates,
    malformed: stats.malformed,
    violationSamples: stats.samples.map((x) => `flood ${x}`),
    floodCpu,
    floodTimeline: timeline,
    ...(profile ? { profile } : {}),
  };
}

type SteadyFields = 'steadyCpu' | 'p50Ms' | 'p99Ms' | 'p999Ms' | 'p50FromRequestMs' | 'p99FromRequestMs' | 'maxMs' | 'latencyEvents' | 'latencyOfferedPerS'
  | 'latencyDriverLagMaxMs' | 'latencyLoopDelayP99Ms' | 'latencyLoopDelayMaxMs' | 'latencyChainedRequests' | 'latencyOrderViolations' | 'latencyDuplicates';
type SteadyResult = Pick<RelayResult, SteadyFields> & {
  latencySamples: string[];
  /** Per event: its 202 (epoch ms) and its push's arrival at the receiver, for the stage breakdown. */
  timings: IngestTiming[];
  arrivedAt: Map<string, number>;
  /** BullMQ's events stream during the phase, when recorded (for the stages). */
  streamEntries?: Awaited<ReturnType<EventsRecorder['stop']>>;
};
type LatencyResult = Omit<RelayResult, keyof FloodResult> & { latencySamples: string[] };

/** A steady `ratePerS` for `seconds`, over the schools round-robin: 202 → ack per event. */
async function steady(ctx: ScenarioContext, cb: Classbell, sids: number[], ratePerS: number, seconds: number, recordStream = false): Promise<SteadyResult> {
  await ctx.receiver.reset();
  const recorder = recordStream ? await EventsRecorder.start(cb) : undefined;
  const eventsPerTick = Math.max(1, Math.round((ratePerS * TICK_MS) / 1000));
  const ticks = seconds * (1000 / TICK_MS);
  const seq = new Map<number, number>();
  const pendingBySchool = new Map<number, Promise<unknown>>();
  const requests: Promise<IngestTiming>[] = [];
  let chained = 0;
  let lagMaxMs = 0;
  let cursor = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const meterRedis = benchRedis();
  const cpu = await CpuMeter.start(meterRedis, ctx.receiver.pid);
  const startMs = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    // Drift-free schedule: tick i is due at start + i·TICK_MS whatever the previous ticks took.
    const dueMs = startMs + tick * TICK_MS;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    lagMaxMs = Math.max(lagMaxMs, performance.now() - dueMs);
    const batch: BenchEvent[] = [];
    for (let j = 0; j < eventsPerTick; j++) {
      const sid = sids[cursor++ % sids.length]!;
      const n = (seq.get(sid) ?? 0) + 1;
      seq.set(sid, n);
      batch.push(handsUp(sid, n));
    }
    // A school's previous request still in flight: send after it, so acceptance order = sequence order.
    const before = [...new Set(batch.map((e) => e.sid))].flatMap((sid) => pendingBySchool.get(sid) ?? []);
    if (before.length > 0) chained++;
    const request = before.length > 0 ? Promise.all(before).then(() => cb.ingest(batch)) : cb.ingest(batch);
    for (const e of batch) pendingBySchool.set(e.sid, request);
    const forget = () => {
      for (const e of batch) if (pendingBySchool.get(e.sid) === request) pendingBySchool.delete(e.sid);
    };
    request.then(forget, forget);
    requests.push(request);
  }
  const sentSeconds = (performance.now() - startMs) / 1000;
  const timings = await Promise.all(requests);
  const total = ticks * eventsPerTick;
  const { reached, stats } = await ctx.receiver.waitFor(total, deliveryTimeoutMs(total));
  const steadyCpu = await cpu.perEvent(total);
  meterRedis.disconnect();
  const streamEntries = await recorder?.stop();
  loop.disable();
  if (!reached) throw new Error(`latency phase (${ratePerS}/s): classbell delivered ${stats.events} of ${total} events in time`);
  const arrivals = await ctx.receiver.arrivals();
  const arrivedAt = new Map<string, number>();
  arrivals.ids.forEach((id, i) => arrivedAt.set(id, arrivals.atMs[i]!));
  const from202: number[] = [];
  const fromRequest: number[] = [];
  const missing = timings.flatMap((t) => t.ids.filter((id) => !arrivedAt.has(id)));
  if (missing.length > 0) {
    throw new Error(`latency phase: ${missing.length} accepted events never pushed (e.g. ${missing.slice(0, 3).join(', ')}); receiver saw ${JSON.stringify(stats)}`);
  }
  for (const t of timings) {
    for (const id of t.ids) {
      const at = arrivedAt.get(id)!;
      // A push may race the 202 on loopback: that is zero latency, not negative.
      from202.push(Math.max(0, at - t.ackMs));
      fromRequest.push(Math.max(0, at - t.startMs));
    }
  }
  return {
    steadyCpu,
    p50Ms: percentile(from202, 50),
    p99Ms: percentile(from202, 99),
    p999Ms: percentile(from202, 99.9),
    p50FromRequestMs: percentile(fromRequest, 50),
    p99FromRequestMs: percentile(fromRequest, 99),
    maxMs: percentile(from202, 100),
    latencyEvents: from202.length,
    latencyOfferedPerS: total / sentSeconds,
    latencyDriverLagMaxMs: lagMaxMs,
    latencyLoopDelayP99Ms: loop.percentile(99) / 1e6,
    latencyLoopDelayMaxMs: loop.max / 1e6,
    latencyChainedRequests: chained,
    latencyOrderViolations: stats.orderViolations,
    latencyDuplicates: stats.duplicates,
    latencySamples: stats.samples.map((x) => `latency ${x}`),
    timings,
    arrivedAt,
    ...(streamEntries ? { streamEntries } : {}),
  };
}

/** The 1,000/s phase (headline latency and, with `tail`, its stages), then with `tail` the 5,000/s phase. */
async function latency(ctx: ScenarioContext, cb: Classbell, sids: number[], tail: boolean): Promise<LatencyResult> {
  const { timings, arrivedAt, streamEntries, ...base } = await steady(ctx, cb, sids, LATENCY_RATE_PER_S, LATENCY_DURATION_S, tail);
  if (!tail) return { ...base, highRateOfferedPerS: NaN, p50At5000Ms: NaN, p99At5000Ms: NaN, maxAt5000Ms: NaN };
  const stages = await latencyStages(cb, timings, arrivedAt, streamEntries);
  ctx.log(`classbell: ${HIGH_RATE_PER_S}/s for ${HIGH_RATE_DURATION_S} s`);
  const high = await steady(ctx, cb, sids, HIGH_RATE_PER_S, HIGH_RATE_DURATION_S);
  return {
    ...base,
    latencyStages: stages,
    highRateOfferedPerS: high.latencyOfferedPerS,
    p50At5000Ms: high.p50Ms,
    p99At5000Ms: high.p99Ms,
    maxAt5000Ms: high.maxMs,
    latencyOrderViolations: base.latencyOrderViolations + high.latencyOrderViolations,
    latencyDuplicates: base.latencyDuplicates + high.latencyDuplicates,
    latencySamples: [...base.latencySamples, ...high.latencySamples.map((x) => `${HIGH_RATE_PER_S}/s ${x}`)],
  };
}

/** classbell: flood then steady latency, on one instance with S active schools. */
/**
 * `afterFlood` runs between the flood and the latency phase (classbell idle meanwhile): the
 * headline puts the baseline's flood there, right after classbell's, so the ratio compares two
 * floods seconds apart on this shared machine rather than with the latency phase between them.
 */
export async function relayScenario<T>(ctx: ScenarioContext, afterFlood?: () => Promise<T>, floods = 1, tail = true): Promise<{ relay: RelayResult; between: T | undefined }> {
  const cb = await Classbell.start('relay');
  try {
    const sids = schoolIds(ctx.schools);
    await cb.createApp();
    await cb.createSchools(sids, (sid) => ctx.receiver.url(sid));
    ctx.log(`classbell: ${sids.length} schools active; flood of ${ctx.events} events`);
    const first = await flood(ctx, cb, sids);
    ctx.log(`classbell: flood delivered at ${Math.round(first.deliveredPerS)}/s`);
    const between = await afterFlood?.();
    let floodResult = first;
    if (floods > 1) {
      // The same flood again (with its own warm-up): the figures are the mean of the two.
      const again = await flood({ ...ctx, profile: false }, cb, sids);
      ctx.log(`classbell: second flood delivered at ${Math.round(again.deliveredPerS)}/s`);
      floodResult = { ...combine([first, again], ['orderViolations', 'duplicates', 'malformed']), violationSamples: [...first.violationSamples, ...again.violationSamples] };
    }
    ctx.log(`classbell: latency phase ${LATENCY_RATE_PER_S}/s for ${LATENCY_DURATION_S} s`);
    const latencyResult = await latency(ctx, cb, sids, tail);
    const relay: RelayResult = {
      ...floodResult, ...latencyResult,
      orderViolations: floodResult.orderViolations + latencyResult.latencyOrderViolations,
      duplicates: floodResult.duplicates + latencyResult.latencyDuplicates,
      violationSamples: [...floodResult.violationSamples, ...latencyResult.latencySamples],
    };
    return { relay, between };
  } finally {
    await cb.close();
  }
}
