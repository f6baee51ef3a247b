import type { Deps } from '../deps.js';
import { AppError, notFound } from '../lib/errors.js';
import { wakeDrains } from './add-jobs.js';
import { startVerification } from './school-registration.js';

/** Pauses or resumes a school's delivery; resuming a school never verified verifies it first. */
export async function changeDelivery(deps: Deps, sid: number, action: 'pause' | 'resume'): Promise<void> {
  const change = await deps.schools.changeStatus(sid, action);
  if (change.kind === 'missing') throw notFound('school');
  if (change.kind === 'not_paused') throw new AppError('not_paused', 409, 'the school is not paused');
  if (change.kind === 'verify') await startVerification(deps, sid);
  if (change.kind === 'ok' && change.wakeEpoch !== null) await wakeDrains(deps, [{ sid, epoch: change.wakeEpoch }]);
}

/** Skips the failing head (only if it is `expectedId`, when given); returns the skipped event's id. */
export async function skipHead(deps: Deps, sid: number, expectedId: string): Promise<string> {
  if (!(await deps.schools.get(sid))) throw notFound('school');
  const result = await deps.outbox.skipHead(sid, expectedId);
  if (result.kind === 'empty') throw new AppError('outbox_empty', 409, 'nothing is waiting for this school');
  if (result.kind === 'moved') throw new AppError('head_moved', 409, `the head is now ${result.headId}`, { headId: result.headId });
  if (result.wakeEpoch !== null) await wakeDrains(deps, [{ sid, epoch: result.wakeEpoch }]);
  return result.skippedId;
}

/** Queues the school's settled events accepted in [sinceMs, untilMs] again; returns how many. */
export async function replayRange(deps: Deps, sid: number, sinceMs: number, untilMs: number): Promise<number> {
  if (!(await deps.schools.get(sid))) throw notFound('school');
  let requeued = 0;
  let after: string | null = null;
  do {
    const page = await deps.deliveries.idsInRange(sid, sinceMs, untilMs, after, 1000);
    if (page.ids.length === 0) break;
    const result = await deps.outbox.requeue(sid, page.ids);
    requeued += result.requeued;
    if (result.wakeEpoch !== null) await wakeDrains(deps, [{ sid, epoch: result.wakeEpoch }]);
    after = page.next;
  } while (after !== null);
  return requeued;
}
