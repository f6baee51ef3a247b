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

export type JobName = 'drain' | 'verify';

export const drainJobId = (sid: number, epoch: number) => `d-${sid}-${epoch}`;
export const verifyJobId = (sid: number, verifyId: string) => `v-${sid}-${verifyId}`;

/** Completed and failed jobs are dropped: the delivery log lives in classbell's own keys. */
export const JOB_DEFAULTS = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
} as const;
