import { remainingRetryDelayMs } from '../src/domain/retry-policy.js';
import type { Logger } from '../src/lib/logger.js';
import type { Scheduler } from '../src/queue/scheduler.js';
import type { DrainState } from '../src/store/drain-state.js';

export interface RecoveryContext {
  scheduler: Scheduler;
  logger: Logger;
  config: { retryScheduleMs: readonly number[] };
}

/**
 * The delay the school's current drain job should have if it has to be added again, or null when
 * the state says no job is due (nothing scheduled). A retry keeps what is left of its delay.
 */
function dueJobDelayMs(state: DrainState, scheduleMs: readonly number[], nowMs: number): number | null {
  if (!state.scheduled || state.epoch < 1) return null;
  if (state.phase !== 'retry_wait') return 0;
  return remainingRetryDelayMs(scheduleMs, state.headAttempts, nowMs - state.atMs);
}

/**
 * Adds the school's current drain job when its state says one is scheduled and BullMQ has none:
 * the process that changed the state died before adding it (or BullMQ gave up on it). Job ids are
 * deterministic, so racing the process that is about to add it adds nothing twice. Returns whether
 * a job was added.
 */
export async function ensureDrainJob(ctx: RecoveryContext, sid: number, state: DrainState, why: string, nowMs = Date.now()): Promise<boolean> {
  const delayMs = dueJobDelayMs(state, ctx.config.retryScheduleMs, nowMs);
  if (delayMs === null || (await ctx.scheduler.drainJobExists(sid, state.epoch))) return false;
  ctx.logger.warn('drain job missing for a scheduled school; adding it again', { sid, epoch: state.epoch, phase: state.phase, delayMs, why });
  await ctx.scheduler.drain(sid, state.epoch, delayMs);
  return true;
}
