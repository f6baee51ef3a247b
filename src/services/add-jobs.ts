import type { Deps } from '../deps.js';

/** Adds a job without letting a Redis hiccup hang the request; the reconciler covers a miss. */
export async function scheduleSafely(deps: Pick<Deps, 'logger'>, what: string, add: () => Promise<void>, timeoutMs = 2000): Promise<void> {
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

/** Starts drain jobs for schools whose scripts asked for one. */
export async function wakeDrains(deps: Pick<Deps, 'logger' | 'scheduler'>, wakes: { sid: number; epoch: number }[]): Promise<void> {
  if (wakes.length > 0) await scheduleSafely(deps, 'drain', () => deps.scheduler.drainMany(wakes));
}
