import type { ReceiverProcess } from '../lib/receiver-client.js';

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  receiver: ReceiverProcess;
  schools: number;
  events: number;
  /** Write a CPU profile of the flood phase (BENCH_PROFILE=1). */
  profile: boolean;
  /** Progress line on stderr (stdout carries the report). */
  log(message: string): void;
}

/** How long to wait for all pushes of a phase before calling the run failed. */
export function deliveryTimeoutMs(events: number): number {
  return Math.max(60_000, events * 5);
}
