/**
 * Isolation: the same flood on fresh instances, (a) all schools healthy, (b) 10 % of them
 * bad — half dead (connection refused: a closed port), half slow (acknowledged after 2 s) — with
 * a short DELIVERY_TIMEOUT_MS and RETRY_SCHEDULE so the dead ones retry all along. The figure is
 * the healthy schools' delivered/s in (b) against the all-healthy delivered/s of (a).
 *
 * (a) has 100 schools where (b) has 90 healthy ones, so when each school's own round trips (push,
 * then record, one event at a time) rather than the CPU bound the flood, (b) cannot beat 0.9 of
 * (a) even with perfect isolation. (c) therefore floods the same 90 healthy schools alone, with the
 * same events, and `ratioToHealthyAlone` = (b) ÷ (c) measures what the bad schools cost the healthy
 * ones and nothing else. The target is judged on `ratio`, the stricter reading.
 */
import { Classbell, type EnvOverrides } from '../lib/classbell.js';
import { freePort } from '../lib/child-classbell.js';
import { ratePerS } from '../lib/stats.js';
import { floodPlan, schoolIds, warmupEvents } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';
import { flood, postPlan } from './relay.js';

export interface IsolationResult {
  schools: number;
  deadSchools: number;
  slowSchools: number;
  events: number;
  healthyEvents: number;
  deliveryTimeoutMs: number;
  retrySchedule: string;
  allHealthyDeliveredPerS: number;
  healthyDeliveredPerS: number;
  /** healthyDeliveredPerS ÷ allHealthyDeliveredPerS. */
  ratio: number;
  /** (c): the healthy schools alone, the same events, on a fresh instance. */
  healthyAloneDeliveredPerS: number;
  /** healthyDeliveredPerS ÷ healthyAloneDeliveredPerS. */
  ratioToHealthyAlone: number;
  /** Pushes the slow schools received (each took 2 s) during the two (b) floods. */
  slowPushes: number;
  orderViolations: number;
  duplicates: number;
}

export async function isolationScenario(ctx: ScenarioContext): Promise<IsolationResult> {
  const events = Number(process.env.BENCH_ISOLATION_EVENTS ?? ctx.events);
  const env: EnvOverrides = {
    DELIVERY_TIMEOUT_MS: process.env.BENCH_ISOLATION_TIMEOUT_MS ?? '3000',
    RETRY_SCHEDULE: process.env.BENCH_ISOLATION_RETRY_SCHEDULE ?? '100ms,250ms,500ms,1s',
  };
  const sids = schoolIds(ctx.schools);
  const bad = sids.filter((_, i) => i % 10 === 9);
  const dead = new Set(bad.filter((_, i) => i % 2 === 0));
  const slow = new Set(bad.filter((_, i) => i % 2 === 1));
  const healthy = sids.filter((sid) => !dead.has(sid) && !slow.has(sid));

  /** A fresh instance floods `schools`, all healthy. */
  const healthyFlood = async (name: string, schools: number[], count: number): Promise<number> => {
    const cb = await Classbell.start(name, { env });
    try {
      await cb.createApp();
      await cb.registerSchoolsDirect(schools, (sid) => ctx.receiver.url(sid));
      return (await flood({ ...ctx, events: count, profile: false }, cb, schools)).deliveredPerS;
    } finally {
      await cb.close();
    }
  };
  const plan = floodPlan(sids, events);
  const healthySet = new Set(healthy);
  const healthyEvents = plan.flat(2).filter((e) => healthySet.has(e.sid)).length;

  const deadPort = await freePort();
  /** (b) on a fresh instance: the same flood with 10 % of the schools dead or slow. */
  const badFlood = async (name: string) => {
    const cb = await Classbell.start(name, { env });
    try {
      await cb.createApp();
      await cb.registerSchoolsDirect(sids, (sid) =>
        dead.has(sid) ? `http://127.0.0.1:${deadPort}/s/${sid}` : slow.has(sid) ? `http://127.0.0.1:${ctx.receiver.port}/slow/${sid}` : ctx.receiver.url(sid));
      const warmup = warmupEvents(events);
      await ctx.receiver.reset();
      await postPlan(ctx, cb, floodPlan(healthy, warmup));
      if (!(await ctx.receiver.waitFor(warmup, deliveryTimeoutMs(warmup))).reached) throw new Error('isolation: warm-up not delivered in time');
      ctx.log(`isolation: (b) ${dead.size} dead + ${slow.size} slow of ${sids.length} schools, ${events} events (${healthyEvents} to healthy ones)`);
      await ctx.receiver.reset();
      const { firstStartMs } = await postPlan(ctx, cb, plan);
      const { reached, stats } = await ctx.receiver.waitFor(healthyEvents, deliveryTimeoutMs(healthyEvents));
      if (!reached || stats.lastAtMs === null) throw new Error(`isolation: healthy schools got ${stats.events} of ${healthyEvents} events in time`);
      return { perS: ratePerS(healthyEvents, firstStartMs, stats.lastAtMs), stats };
    } finally {
      await cb.close();
    }
  };

  // Each figure is the mean of two floods placed symmetrically in time, (a) (b) (c) (b) (a), so a
  // drift of the shared machine's speed during the scenario weighs on (a), (b) and (c) alike.
  ctx.log(`isolation: (a) ${sids.length} healthy schools, ${events} events`);
  const a1 = await healthyFlood('isoall', sids, events);
  const b1 = await badFlood('isobad');
  ctx.log(`isolation: (c) the ${healthy.length} healthy schools alone, ${healthyEvents} events`);
  const healthyAlone = await healthyFlood('isoalone', healthy, healthyEvents);
  const b2 = await badFlood('isobad2');
  ctx.log(`isolation: (a) again`);
  const a2 = await healthyFlood('isoall2', sids, events);
  const allHealthy = (a1 + a2) / 2;
  const healthyPerS = (b1.perS + b2.perS) / 2;
  ctx.log(`isolation: all healthy ${Math.round(a1)} and ${Math.round(a2)}/s, healthy alone ${Math.round(healthyAlone)}/s, healthy among bad ${Math.round(b1.perS)} and ${Math.round(b2.perS)}/s`);
  return {
    schools: sids.length, deadSchools: dead.size, slowSchools: slow.size, events, healthyEvents,
    deliveryTimeoutMs: Number(env.DELIVERY_TIMEOUT_MS), retrySchedule: env.RETRY_SCHEDULE!,
    allHealthyDeliveredPerS: allHealthy, healthyDeliveredPerS: healthyPerS, ratio: healthyPerS / allHealthy,
    healthyAloneDeliveredPerS: healthyAlone, ratioToHealthyAlone: healthyPerS / healthyAlone,
    slowPushes: b1.stats.slowPushes + b2.stats.slowPushes,
    orderViolations: b1.stats.orderViolations + b2.stats.orderViolations,
    duplicates: b1.stats.duplicates + b2.stats.duplicates,
  };
}
