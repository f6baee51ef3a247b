import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';

/** Adds a job without letting a Redis hiccup hang the request; the reconciler covers a miss. */
export async function scheduleSafely(deps: Deps, what: string, add: () => Promise<void>, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([add().then(() => 'ok' as const), timeout]);
    if (result === 'timeout') deps.logger.warn('adding a job is slow; the reconciler will add it if it got lost', { what });
  } catch (error) {
    deps.logger.warn('could not add a job; the reconciler will add it', { what, error: error instanceof Error ? error.message : String(error) });
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a registration test push: the school is pending until its endpoint acknowledges. */
export async function startVerification(deps: Deps, sid: number): Promise<void> {
  const verifyId = randomBytes(6).toString('hex');
  const change = await deps.schools.changeStatus(sid, 'verifying', verifyId);
  if (change.kind === 'missing') throw notFound('school');
  await deps.scheduler.verify(sid, verifyId);
}

/** Starts drain jobs for schools whose scripts asked for one. */
export async function wakeDrains(deps: Deps, wakes: { sid: number; epoch: number }[]): Promise<void> {
  if (wakes.length > 0) await scheduleSafely(deps, 'drain', () => deps.scheduler.drainMany(wakes));
}
