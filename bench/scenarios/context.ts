import type { LoadGenerator } from '../lib/load-client.js';
import type { ReceiverProcess } from '../lib/receiver-client.js';

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  receiver: ReceiverProcess;
  /**
   * The classroom servers of the floods: posts the events from its own process, as the receivers
   * answer from theirs, so neither side of the test harness is charged to classbell's CPU.
   */
  load: LoadGenerator;
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
