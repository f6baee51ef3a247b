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

/**
 * An open-loop steady rate: request i is sent at start + i / ratePerS (a classroom server posting as
 * events happen), one body per request; a request waits for the previous one of the same `keys[i]`
 * (its school) still in flight, so acceptance order stays sequence order.
 */
export interface PacedJob {
  id: number;
  op: 'paced';
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  keys: number[];
  ratePerS: number;
  /** Keep-alive connections of the pool. */
  connections: number;
  expectStatus: number;
}

export interface PacedResult {
  /** Per request, epoch ms: when it was sent and when its answer was read; the first accepted id of its answer ('' on failure). */
  startMs: number[];
  answerMs: number[];
  ids: string[];
  failed: number;
  firstFailure: string | null;
  /** Requests that waited for their school's previous one. */
  chained: number;
  /** Worst lateness of a send behind its schedule (the client itself was busy). */
  lagMaxMs: number;
  offeredPerS: number;
}

export type LoadRequest = LoadJob | PrepareLanesJob | RunLanesJob | PacedJob | { id: number; op: 'close' };

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

export type LoadReply = { id: number; ok: true; result?: LoadResult; lanes?: LanesResult; paced?: PacedResult } | { id: number; ok: false; error: string };
