import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
export { wakeDrains } from '../services/jobs.js';

/** Starts a registration test push: the school is pending until its endpoint acknowledges. */
export async function startVerification(deps: Deps, sid: number): Promise<void> {
  const verifyId = randomBytes(6).toString('hex');
  const change = await deps.schools.changeStatus(sid, 'verifying', verifyId);
  if (change.kind === 'missing') throw notFound('school');
  await deps.scheduler.verify(sid, verifyId);
}
