/**
 * When to try a failing push again: the `RETRY_SCHEDULE` (API.md
 * "Environment") and the jittered delay after each consecutive failure.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h)$/;

/** Jitter spreads retries of many schools that failed together (±20 %). */
const RETRY_JITTER = 0.2;

/**
 * Parses a duration such as `500ms`, `1s`, `5m` or `1h` into milliseconds.
 * Only a whole number followed by one of `ms`, `s`, `m`, `h` is accepted.
 * @throws Error naming the bad value and the expected form.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: expected a whole number with a unit ` +
        'ms, s, m or h (e.g. 500ms, 1s, 5m, 1h)',
    );
  }
  const [, amount = '', unit = 'ms'] = match;
  const ms = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid duration ${JSON.stringify(text)}: too large`);
  return ms;
}

/**
 * Parses a comma-separated schedule such as `1s,2s,5s,10s` into milliseconds.
 * @throws Error when the list is empty, an entry is malformed, or an entry is 0.
 */
export function parseRetrySchedule(text: string): number[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') {
    throw new Error('invalid retry schedule: it must list at least one delay, e.g. 1s,2s,5s,10s');
  }
  return entries.map((entry, index) => {
    const where = `invalid retry schedule ${JSON.stringify(text)}, entry ${index + 1}`;
    let ms: number;
    try {
      ms = parseDuration(entry);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    // A zero delay would turn a failing school into a busy loop.
    if (ms <= 0) throw new Error(`${where}: a delay must be greater than 0`);
    return ms;
  });
}

/**
 * The delay before the next attempt after `failedAttempts` consecutive
 * failures (1 = the first failure uses the first entry). Beyond the list the
 * last entry repeats forever. The result is the entry ±20 % (jitter), rounded
 * to whole milliseconds and never negative.
 * @param random a source in [0, 1), injectable for tests.
 * @throws RangeError on an empty schedule or `failedAttempts` < 1.
 */
export function retryDelayMs(
  scheduleMs: readonly number[],
  failedAttempts: number,
  random: () => number = Math.random,
): number {
  if (scheduleMs.length === 0) throw new RangeError('retry schedule is empty');
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be an integer >= 1, got ${failedAttempts}`);
  }
  const index = Math.min(failedAttempts, scheduleMs.length) - 1;
  const baseMs = scheduleMs[index] ?? 0;
  const jitterMs = baseMs * RETRY_JITTER * (2 * random() - 1);
  return Math.max(0, Math.round(baseMs + jitterMs));
}

/**
 * How much of a retry delay is left when the retry's job has to be added again (its worker died
 * between recording the failure and adding the job): the schedule's entry for `headAttempts`
 * without jitter, less the time since the failure was recorded; 0 when it has passed.
 */
export function remainingRetryDelayMs(scheduleMs: readonly number[], headAttempts: number, elapsedMs: number): number {
  if (scheduleMs.length === 0 || headAttempts < 1) return 0;
  const baseMs = scheduleMs[Math.min(headAttempts, scheduleMs.length) - 1] ?? 0;
  return Math.max(0, baseMs - Math.max(0, elapsedMs));
}
