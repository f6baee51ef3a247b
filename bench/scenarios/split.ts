/**
 * One process against API and workers apart: the same flood (the headline's, from the load
 * generator's process) against `node scripts/start.mjs` (everything in one process), then against
 * `node scripts/start.mjs --role=api` with two `--role=worker` processes. CPU per delivered event of
 * classbell's processes and of Redis in each: the split should cost no more per event.
 */
import { Classbell } from '../lib/classbell.js';
import { ClassbellProcess, type Role } from '../lib/child-classbell.js';
import { treeCpuSeconds } from '../lib/cpu.js';
import { benchRedis, commandStats, redisCpuSeconds } from '../lib/redis-util.js';
import { ratePerS } from '../lib/stats.js';
import { envInt, floodPlan, schoolIds, warmupEvents } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';

export const SPLIT_WORKERS = 2;

export interface SplitArm {
  processes: number;
  deliveredPerS: number;
  /** CPU µs per delivered event: classbell's processes, Redis, and both. */
  classbellUs: number;
  redisUs: number;
  totalUs: number;
  redisCallsPerEvent: number;
  orderViolations: number;
  duplicates: number;
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
    for (const role of roles) procs.push(await ClassbellProcess.start(role, reg.prefix, {}, { startScript: true }));
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
      cb: (await Promise.all(procs.map((p) => treeCpuSeconds(p.pid)))).reduce((a, b) => a + b, 0),
      redis: await redisCpuSeconds(redis),
      calls: callsOf(await commandStats(redis)),
    });
    const before = await cpu();
    const { firstStartMs } = await post(events);
    const { reached, stats } = await ctx.receiver.waitFor(events, deliveryTimeoutMs(events));
    const after = await cpu();
    if (!reached || stats.lastAtMs === null) throw new Error(`split: ${stats.events} of ${events} delivered in time`);
    const us = (a: number, b: number) => ((b - a) * 1e6) / events;
    const result: SplitArm = {
      processes: procs.length,
      deliveredPerS: ratePerS(events, firstStartMs, stats.lastAtMs),
      classbellUs: us(before.cb, after.cb),
      redisUs: us(before.redis, after.redis),
      totalUs: us(before.cb + before.redis, after.cb + after.redis),
      redisCallsPerEvent: (after.calls - before.calls) / events,
      orderViolations: stats.orderViolations,
      duplicates: stats.duplicates,
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
