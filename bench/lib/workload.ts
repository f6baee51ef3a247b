import { handsUp, type BenchEvent } from './classbell.js';

/** Batch size of every ingest request and addBulk call. */
export const BATCH_SIZE = 100;
/** Ingest requests (or addBulk calls) in flight during the flood. */
export const FLOOD_LANES = 8;

/** The sids the bench registers: 1001, 1002, … */
export function schoolIds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 1001 + i);
}

/**
 * Splits `events` over the schools round-robin, and the schools over `lanes` disjoint lanes. A lane
 * sends its batches one after another, so each school's events are accepted in sequence order
 * (its `uid` = 1, 2, 3…) even though `lanes` batches are in flight: a lane owns its schools.
 * Returns lanes → batches → events.
 */
export function floodPlan(sids: readonly number[], events: number, lanes = FLOOD_LANES, batchSize = BATCH_SIZE): BenchEvent[][][] {
  const laneCount = Math.max(1, Math.min(lanes, sids.length));
  const perSchool = sids.map((_, i) => Math.floor(events / sids.length) + (i < events % sids.length ? 1 : 0));
  const plan: BenchEvent[][][] = [];
  for (let lane = 0; lane < laneCount; lane++) {
    const mine = sids.map((sid, i) => ({ sid, count: perSchool[i]! })).filter((_, i) => i % laneCount === lane);
    const rounds = Math.max(0, ...mine.map((s) => s.count));
    const flat: BenchEvent[] = [];
    for (let seq = 1; seq <= rounds; seq++) for (const s of mine) if (seq <= s.count) flat.push(handsUp(s.sid, seq));
    const batches: BenchEvent[][] = [];
    for (let i = 0; i < flat.length; i += batchSize) batches.push(flat.slice(i, i + batchSize));
    plan.push(batches);
  }
  return plan;
}

/** Runs every lane at once, each lane's batches one after another. */
export async function runLanes<T>(plan: BenchEvent[][][], send: (batch: BenchEvent[]) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  await Promise.all(plan.map(async (batches) => {
    for (const batch of batches) results.push(await send(batch));
  }));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Events pushed through before a measured flood (JIT, connection pools, Redis scripts), not measured. */
export function warmupEvents(events: number): number {
  return Math.min(2000, Math.floor(events / 10));
}

/** A positive integer from the environment (a scenario's size), else `fallback`. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}
