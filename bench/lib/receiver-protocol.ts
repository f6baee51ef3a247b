/** Messages between the bench process and the receiver child (bench/receiver-process.ts) over IPC. */

/** A request from the bench process; `id` correlates the reply. */
export type ReceiverRequest =
  | { id: number; op: 'reset' }
  | { id: number; op: 'waitFor'; count: number; timeoutMs: number }
  | { id: number; op: 'stats' }
  | { id: number; op: 'arrivals' }
  | { id: number; op: 'close' };

/** What the receiver saw since the last reset (registration test pushes are counted apart). */
export interface ReceiverStats {
  /** Event pushes acknowledged (test pushes excluded). */
  events: number;
  testPushes: number;
  /** Pushes to a slow school's `/slow/<sid>` (acknowledged after 2 s, not counted in `events`). */
  slowPushes: number;
  /** A push of school s whose sequence number (UID) is not above the previous push of s. */
  orderViolations: number;
  /** Pushes whose `_id` was already received. */
  duplicates: number;
  /** Pushes whose body SID differs from the sid in the path, or with an unreadable body. */
  malformed: number;
  /** Sum of the event bodies' byte lengths. */
  bodyBytes: number;
  /** Arrival of the first and last event push, epoch ms (performance.timeOrigin + performance.now()). */
  firstAtMs: number | null;
  lastAtMs: number | null;
  /** The first few offending pushes, for diagnosis: "<sid> <_id> seq <UID> after <previous UID>". */
  samples: string[];
}

/** Arrival times of every event push since the last reset, by `_id` (parallel arrays). */
export interface Arrivals {
  ids: string[];
  atMs: number[];
}

export type ReceiverReply =
  | { id: number; ok: true; stats: ReceiverStats; reached?: boolean }
  | { id: number; ok: true; arrivals: Arrivals }
  | { id: number; ok: true }
  | { id: number; ok: false; error: string };

/** Sent once by the child when it listens. */
export interface ReceiverReady {
  ready: true;
  port: number;
}

/** The acknowledgement every school endpoint of the bench answers with. */
export const ACK_BODY = JSON.stringify({ error_info: { errno: 1, error: 'ok' } });

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}
