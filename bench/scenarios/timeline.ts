/** When a flood's acknowledgements arrived, against the end of its ingest: where its time went. */
import { percentile } from '../lib/stats.js';
import type { ScenarioContext } from './context.js';

export interface FloodTimeline {
  lastIngestS: number;
  /** Acknowledged share → seconds since the first ingest request. */
  acked: { p10: number; p50: number; p90: number; p99: number; p100: number };
  /** Delivered/s while ingest ran and after it. */
  deliveredPerSDuringIngest: number;
  deliveredPerSAfterIngest: number;
}

/** Where the flood's time went: the acknowledgements' arrival times against the ingest's end. */
export async function floodTimeline(ctx: ScenarioContext, firstStartMs: number, lastAckMs: number): Promise<FloodTimeline> {
  const { atMs } = await ctx.receiver.arrivals();
  const since = atMs.map((at) => (at - firstStartMs) / 1000).sort((a, b) => a - b);
  const lastIngestS = (lastAckMs - firstStartMs) / 1000;
  const during = since.filter((s) => s <= lastIngestS).length;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const at = (p: number) => round(percentile(since, p));
  const lastS = since[since.length - 1] ?? lastIngestS;
  return {
    lastIngestS: round(lastIngestS),
    acked: { p10: at(10), p50: at(50), p90: at(90), p99: at(99), p100: at(100) },
    deliveredPerSDuringIngest: Math.round(during / lastIngestS),
    deliveredPerSAfterIngest: lastS > lastIngestS ? Math.round((since.length - during) / (lastS - lastIngestS)) : 0,
  };
}
