/**
 * One process against API and workers apart: the same flood (the headline's, from the load
 * generator's process) against `WORKER_PROCESSES=0 node scripts/start.mjs` (everything in one
 * process), then against
 * `node scripts/start.mjs --role=api` with two `--role=worker` processes. CPU per delivered event of
 * classbell's processes and of Redis in each: the split should cost no more per event.
 */
import { Classbell } from '../lib/classbell.js';
import { ClassbellProcess, type Role } from '../lib/child-classbell.js';
import { treeCpuSeconds } from '../lib/cpu.js';
import { benchRedis, commandStats, prefixBytes, redisCpuSeconds } from '../lib/redis-util.js';
import { ratePerS } from '../lib/stats.js';
import { envInt, floodPlan, schoolIds, sleep, warmupEvents } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';

export const SPLIT_WORKERS = 2;

export interface SplitArm {
  processes: number;
  deliveredPerS: number;
  /** CPU µs per delivered event: classbell's processes, Redis, and both. */
  classbellUs: number;
  /** Of classbellUs: the process serving the API (all of it in one process) and the worker-only processes. */
  apiProcessUs: number;
  workerProcessesUs: number;
  redisUs: number;
  totalUs: number;
  redisCallsPerEvent: number;
  orderViolations: number;
  duplicates: number;
  /**
   * Σ MEMORY USAGE of the arm's keys: per registered school before any event, and per delivered
   * event (warm-up included) once the flood is delivered — what the delivery log keeps (event
   * records with their attempt, log entries, class lists) until DELIVERY_RETENTION_S.
   */
  bytesPerSchool: number;
  retainedBytesPerEvent: number;
  retainedBytesByKind: Record<string, number>;
}

export interface SplitResult {
  events: number;
  one: SplitArm;
  split: SplitArm;
  /** split.totalUs ÷ one.totalUs (≤ 1: the split costs no more per event). */
  cpuRatio: number;
}

const callsOf = (stats: Map<string, { calls: number }>) => [...stats.values()].reduce((sum, s) => sum + s.calls, 0);

async function arm(ctx: ScenarioContext, roles: Role[], events: number): Promise<SplitArm> {
  const reg = await Classbell.start(`split${roles.length}`, { workers: false });
  const redis = benchRedis();
  const procs: ClassbellProcess[] = [];
  try {
    const sids = schoolIds(ctx.schools);
    await reg.createApp();
    await reg.registerSchoolsDirect(sids, (sid) => ctx.receiver.url(sid));
    const registered = await prefixBytes(redis, reg.prefix);
    // `npm start` forks its drains into worker processes by default (WORKER_PROCESSES): the one-process arm asks for none.
    const overrides: Record<string, string> = roles.length === 1 ? { WORKER_PROCESSES: '0' } : {};
    for (const role of roles) procs.push(await ClassbellProcess.start(role, reg.prefix, overrides, { startScript: true }));
    const api = procs.find((p) => p.role !== 'worker')!;
    const url = `${api.origin}/v1/events`;
    const headers = { authorization: reg.appAuthorization, 'content-type': 'application/json' };
    const post = (count: number) => ctx.load.lanes(url, headers, floodPlan(sids, count).map((batches) => batches.map((batch) => JSON.stringify({ events: batch }))));
    const warmup = warmupEvents(events);
    await ctx.receiver.reset();
    await post(warmup);
    if (!(await ctx.receiver.waitFor(warmup, deliveryTimeoutMs(warmup))).reached) throw new Error('split: warm-up not delivered in time');
    await ctx.receiver.reset();
    const cpu = async () => ({
      perProcess: await Promise.all(procs.map((p) => treeCpuSeconds(p.pid))),
      redis: await redisCpuSeconds(redis),
      calls: callsOf(await commandStats(redis)),
    });
    const before = await cpu();
    const { firstStartMs } = await post(events);
    const { reached, stats } = await ctx.receiver.waitFor(events, deliveryTimeoutMs(events));
    const after = await cpu();
    if (!reached || stats.lastAtMs === null) throw new Error(`split: ${stats.events} of ${events} delivered in time`);
    const us = (a: number, b: number) => ((b - a) * 1e6) / events;
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const ofRole = (cpus: number[], worker: boolean) => sum(cpus.filter((_, i) => (procs[i]!.role === 'worker') === worker));
    const cb = { before: sum(before.perProcess), after: sum(after.perProcess) };
    // The flood's records settle within a few ms of the last acknowledgement.
    await sleep(200);
    const retained = await prefixBytes(redis, reg.prefix);
    const delivered = warmup + events;
    const result: SplitArm = {
      processes: procs.length,
      deliveredPerS: ratePerS(events, firstStartMs, stats.lastAtMs),
      classbellUs: us(cb.before, cb.after),
      apiProcessUs: us(ofRole(before.perProcess, false), ofRole(after.perProcess, false)),
      workerProcessesUs: us(ofRole(before.perProcess, true), ofRole(after.perProcess, true)),
      redisUs: us(before.redis, after.redis),
      totalUs: us(cb.before + before.redis, cb.after + after.redis),
      redisCallsPerEvent: (after.calls - before.calls) / events,
      orderViolations: stats.orderViolations,
      duplicates: stats.duplicates,
      bytesPerSchool: registered.total / sids.length,
      retainedBytesPerEvent: (retained.total - registered.total) / delivered,
      retainedBytesByKind: Object.fromEntries(Object.entries(retained.byKind).map(([kind, bytes]) =>
        [kind, Math.round(((bytes - (registered.byKind[kind] ?? 0)) / delivered) * 10) / 10])),
    };
    ctx.log(`split: ${roles.join(' + ')}: ${Math.round(result.deliveredPerS)}/s, ${result.classbellUs.toFixed(1)} + ${result.redisUs.toFixed(1)} µs per event (classbell + Redis)`);
    return result;
  } finally {
    for (const p of procs.reverse()) await p.stop();
    redis.disconnect();
    await reg.close();
  }
}

export async function splitScenario(ctx: ScenarioContext): Promise<SplitResult> {
  const events = envInt('BENCH_SPLIT_EVENTS', ctx.events);
  const one = await arm(ctx, ['all'], events);
  const split = await arm(ctx, ['api', ...Array.from({ length: SPLIT_WORKERS }, () => 'worker' as const)], events);
  return { events, one, split, cpuRatio: split.totalUs / one.totalUs };
}
