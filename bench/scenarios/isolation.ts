/**
 * Isolation: the same flood twice on fresh instances, (a) all schools healthy, (b) 10 % of them
 * bad — half dead (connection refused: a closed port), half slow (acknowledged after 2 s) — with
 * a short DELIVERY_TIMEOUT_MS and RETRY_SCHEDULE so the dead ones retry all along. The figure is
 * the healthy schools' delivered/s in (b) against the all-healthy delivered/s of (a).
 */
import { Classbell, type EnvOverrides } from '../lib/classbell.js';
import { freePort } from '../lib/child-classbell.js';
import { nowEpochMs } from '../lib/receiver-protocol.js';
import { ratePerS } from '../lib/stats.js';
import { floodPlan, runLanes, schoolIds, warmupEvents } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';
import { flood } from './relay.js';

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
  /** Pushes the slow schools received (each took 2 s) during (b). */
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

  // (a) all healthy
  let allHealthy: number;
  {
    const cb = await Classbell.start('isoall', { env });
    try {
      await cb.createApp();
      await cb.registerSchoolsDirect(sids, (sid) => ctx.receiver.url(sid));
      ctx.log(`isolation: (a) ${sids.length} healthy schools, ${events} events`);
      const r = await flood({ ...ctx, events, profile: false }, cb, sids);
      allHealthy = r.deliveredPerS;
    }
    finally {
      await cb.close();
    }
  }

  // (b) 10 % dead or slow
  const deadPort = await freePort();
  const cb = await Classbell.start('isobad', { env });
  try {
    await cb.createApp();
    await cb.registerSchoolsDirect(sids, (sid) =>
      dead.has(sid) ? `http://127.0.0.1:${deadPort}/s/${sid}` : slow.has(sid) ? `http://127.0.0.1:${ctx.receiver.port}/slow/${sid}` : ctx.receiver.url(sid));
    const warmup = warmupEvents(events);
    await ctx.receiver.reset();
    await runLanes(floodPlan(healthy, warmup), (batch) => cb.ingest(batch));
    if (!(await ctx.receiver.waitFor(warmup, deliveryTimeoutMs(warmup))).reached) throw new Error('isolation: warm-up not delivered in time');
    const plan = floodPlan(sids, events);
    const healthySet = new Set(healthy);
    const healthyEvents = plan.flat(2).filter((e) => healthySet.has(e.sid)).length;
    ctx.log(`isolation: (b) ${dead.size} dead + ${slow.size} slow of ${sids.length} schools, ${events} events (${healthyEvents} to healthy ones)`);
    await ctx.receiver.reset();
    const firstStartMs = nowEpochMs();
    await runLanes(plan, (batch) => cb.ingest(batch));
    const { reached, stats } = await ctx.receiver.waitFor(healthyEvents, deliveryTimeoutMs(healthyEvents));
    if (!reached || stats.lastAtMs === null) throw new Error(`isolation: healthy schools got ${stats.events} of ${healthyEvents} events in time`);
    const healthyPerS = ratePerS(healthyEvents, firstStartMs, stats.lastAtMs);
    ctx.log(`isolation: all healthy ${Math.round(allHealthy)}/s, healthy among bad ${Math.round(healthyPerS)}/s`);
    return {
      schools: sids.length, deadSchools: dead.size, slowSchools: slow.size, events, healthyEvents,
      deliveryTimeoutMs: Number(env.DELIVERY_TIMEOUT_MS), retrySchedule: env.RETRY_SCHEDULE!,
      allHealthyDeliveredPerS: allHealthy, healthyDeliveredPerS: healthyPerS, ratio: healthyPerS / allHealthy,
      slowPushes: stats.slowPushes, orderViolations: stats.orderViolations, duplicates: stats.duplicates,
    };
  } finally {
    await cb.close();
  }
}
