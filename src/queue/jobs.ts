/** The one BullMQ queue of classbell; job kinds are told apart by name. */
export const QUEUE_NAME = 'classbell';

/**
 * Drain a school's outbox for one time slice.
 * Idempotency key: job id `d-<sid>-<epoch>`; a job whose epoch is no longer the school's current
 * one exits without pushing. Delivery retries follow RETRY_SCHEDULE by re-adding a delayed job
 * with the next epoch; BullMQ's own retries (attempts: 5) only cover a slice that threw (Redis
 * unreachable), and re-running one is safe: it re-claims with the same epoch or finds it stale.
 * A job lost to a crash is recovered by BullMQ's stalled-job check, or re-added by the reconciler.
 */
export interface DrainJob {
  sid: number;
  epoch: number;
}

/**
 * Send the registration test push to a school's endpoint.
 * Idempotency key: job id `v-<sid>-<verifyId>`; a result for an older verifyId is ignored.
 * A test push that fails is not retried: the operator or the school verifies again (POST …/verify).
 */
export interface VerifyJob {
  sid: number;
  verifyId: string;
}

/**
 * Compute and queue a class's lesson summary ("End").
 * Idempotency key: job id `s-<sid>-<classId>-<version>`; only the job of the class's current
 * schedule version settles it, and the summary event has the fixed id `end_<sid>_<classId>`,
 * so running twice pushes once. BullMQ retries (attempts: 5) cover Redis hiccups.
 */
export interface SummaryJob {
  sid: number;
  classId: number;
  version: number;
}

/**
 * Aggregate one 5-minute window of raw network samples into "Net" events, one per user.
 * Idempotency key: job id `n-<sid>-<classId>-<windowStartS>`; the Net events have fixed ids
 * `net_<sid>_<classId>_<windowStartS>_<uid>`, so a repeated run pushes nothing twice.
 */
export interface NetReportJob {
  sid: number;
  classId: number;
  windowStartS: number;
}

/**
 * Destroy a room left empty ROOM_EMPTY_TTL_S ago.
 * Idempotency key: job id `rd-<roomId>-<life>`; every entry bumps the room's life, so a job for an
 * older life (someone came back) finds it stale and does nothing, as does a second run. BullMQ
 * retries (attempts: 5) cover Redis hiccups.
 */
export interface RoomDestroyJob {
  roomId: string;
  appId: string;
  roomUuid: string;
  life: number;
}

export type JobName = 'drain' | 'verify' | 'summary' | 'net-report' | 'room-destroy';

export const drainJobId = (sid: number, epoch: number) => `d-${sid}-${epoch}`;
export const verifyJobId = (sid: number, verifyId: string) => `v-${sid}-${verifyId}`;
export const summaryJobId = (sid: number, classId: number, version: number) => `s-${sid}-${classId}-${version}`;
export const netReportJobId = (sid: number, classId: number, windowStartS: number) => `n-${sid}-${classId}-${windowStartS}`;

export const roomDestroyJobId = (roomId: string, life: number) => `rd-${roomId}-${life}`;

/** Completed and failed jobs are dropped: the delivery log lives in classbell's own keys. */
export const JOB_DEFAULTS = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
} as const;
