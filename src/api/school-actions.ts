import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import { scheduleSafely } from '../services/add-jobs.js';
export { wakeDrains } from '../services/add-jobs.js';

/** Starts a registration test push: the school is pending until its endpoint acknowledges. */
export async function startVerification(deps: Deps, sid: number): Promise<void> {
  const verifyId = randomBytes(6).toString('hex');
  const change = await deps.schools.changeStatus(sid, 'verifying', verifyId);
  if (change.kind === 'missing') throw notFound('school');
  // Capped so a Redis outage cannot hang the request; a lost job is re-added by the reconciler.
  await scheduleSafely(deps, 'verify', () => deps.scheduler.verify(sid, verifyId));
}
