/**
 * Scale in schools: BENCH_SCALE_SCHOOLS (10,000) registered, BENCH_SCALE_RECEIVING (1,000) of them
 * receiving a flood of BENCH_SCALE_EVENTS (100,000) events, strict per-school order. Schools are
 * registered straight through the store (create + verified); the flood is the relay scenario's.
 */
import { Classbell } from '../lib/classbell.js';
import { schoolIds } from '../lib/workload.js';
import type { ScenarioContext } from './context.js';
import { flood } from './relay.js';

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

export interface ScaleResult {
  registered: number;
  receiving: number;
  events: number;
  registerSeconds: number;
  deliveredPerS: number;
  ingestPerS: number;
  floodSeconds: number;
  orderViolations: number;
  duplicates: number;
  /** Active handles of the bench process (which runs classbell's API and workers) by kind. */
  handlesBeforeRegistering: Record<string, number>;
  handlesAfterRegistering: Record<string, number>;
  handlesAfterFlood: Record<string, number>;
}

function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

export async function scaleScenario(ctx: ScenarioContext): Promise<ScaleResult> {
  const registered = envInt('BENCH_SCALE_SCHOOLS', 10_000);
  const receiving = Math.min(registered, envInt('BENCH_SCALE_RECEIVING', 1000));
  const events = envInt('BENCH_SCALE_EVENTS', 100_000);
  const cb = await Classbell.start('scale');
  try {
    const all = schoolIds(registered);
    // Receiving schools spread over the registered ones (every k-th), not the first block.
    const step = Math.floor(registered / receiving);
    const sids = all.filter((_, i) => i % step === 0).slice(0, receiving);
    await cb.createApp();
    const handlesBeforeRegistering = handles();
    const t0 = performance.now();
    await cb.registerSchoolsDirect(all, (sid) => ctx.receiver.url(sid));
    const registerSeconds = (performance.now() - t0) / 1000;
    const handlesAfterRegistering = handles();
    ctx.log(`scale: ${registered} schools registered in ${registerSeconds.toFixed(1)} s; flood of ${events} events to ${sids.length} of them`);
    const result = await flood({ ...ctx, events, profile: false }, cb, sids);
    ctx.log(`scale: delivered at ${Math.round(result.deliveredPerS)}/s`);
    return {
      registered, receiving: sids.length, events, registerSeconds,
      deliveredPerS: result.deliveredPerS, ingestPerS: result.ingestPerS, floodSeconds: result.floodSeconds,
      orderViolations: result.orderViolations, duplicates: result.duplicates,
      handlesBeforeRegistering, handlesAfterRegistering, handlesAfterFlood: handles(),
    };
  } finally {
    await cb.close();
  }
}
