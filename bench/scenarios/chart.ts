/**
 * The relay scenario (flood + 1,000 events/s latency phase) at several school counts
 * (BENCH_CHART_SCHOOLS, default 10,100,1000), for the chart. The count the headline already ran
 * is not run again: its result is passed in.
 */
import type { ScenarioContext } from './context.js';
import { relayScenario, type RelayResult } from './relay.js';

export interface ChartRow {
  schools: number;
  deliveredPerS: number;
  ingestPerS: number;
  p50Ms: number;
  p99Ms: number;
  eventLoopDelayP99Ms: number;
  orderViolations: number;
  duplicates: number;
}

export function chartSchools(): number[] {
  const text = process.env.BENCH_CHART_SCHOOLS ?? '10,100,1000';
  return text.split(',').map((s) => Number(s.trim())).filter((n) => Number.isSafeInteger(n) && n > 0);
}

function row(schools: number, r: RelayResult): ChartRow {
  return { schools, deliveredPerS: r.deliveredPerS, ingestPerS: r.ingestPerS, p50Ms: r.p50Ms, p99Ms: r.p99Ms, eventLoopDelayP99Ms: r.latencyLoopDelayP99Ms, orderViolations: r.orderViolations, duplicates: r.duplicates };
}

export async function chartScenario(ctx: ScenarioContext, headline: RelayResult | undefined): Promise<ChartRow[]> {
  const rows: ChartRow[] = [];
  for (const schools of chartSchools()) {
    if (headline && schools === ctx.schools) {
      rows.push(row(schools, headline));
      continue;
    }
    ctx.log(`chart: relay at ${schools} schools`);
    // The chart needs the flood and the 1,000/s phase only: no 5,000/s phase, no stages.
    rows.push(row(schools, (await relayScenario({ ...ctx, schools, profile: false }, undefined, 1, false)).relay));
  }
  return rows;
}
