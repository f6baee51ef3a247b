/** Messages between the bench and the load generator child (bench/load-process.ts) over IPC. */

export interface LoadJob {
  id: number;
  op: 'run';
  url: string;
  headers: Record<string, string>;
  /** Request bodies, sent round-robin. */
  bodies: string[];
  /** Requests in flight (one keep-alive connection each). */
  inFlight: number;
  /** Stop after this many requests, or after durationMs, whichever comes first. */
  requests: number;
  durationMs: number;
  /** The status a request must answer to count as ok. */
  expectStatus: number;
}

/**
 * A flood's plan, handed over before it starts: lanes of request bodies; a lane posts its bodies
 * one after another (so each school's events are accepted in order), every lane at once.
 */
export interface PrepareLanesJob {
  id: number;
  op: 'prepare-lanes';
  url: string;
  headers: Record<string, string>;
  lanes: string[][];
  expectStatus: number;
}

/** Runs the prepared lanes. */
export interface RunLanesJob {
  id: number;
  op: 'run-lanes';
}

export interface LanesResult {
  /** Epoch ms (performance.timeOrigin + now(), comparable with the receivers' clock). */
  firstStartMs: number;
  lastAckMs: number;
  requests: number;
  failed: number;
  firstFailure: string | null;
}

export type LoadRequest = LoadJob | PrepareLanesJob | RunLanesJob | { id: number; op: 'close' };

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  elapsedMs: number;
  /** ok requests ÷ elapsed seconds. */
  okPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** The first unexpected answer (status and start of the body) or error, for diagnosis. */
  firstFailure: string | null;
}

export type LoadReply = { id: number; ok: true; result?: LoadResult; lanes?: LanesResult } | { id: number; ok: false; error: string };
