import type { PushWindow } from '../src/store/push-window.js';
import type { SchoolStore } from '../src/store/schools.js';

/** A changed maxPushesPerS reaches every worker process within this. */
export const LIMIT_CACHE_MS = 1000;

/**
 * Keeps a school's pushes under its `maxPushesPerS`, whichever worker process pushes: ask
 * `waitMs` before a push (0: go; else the drain yields and its next job waits that long), and
 * call `ended` once the push has ended (acknowledged or not). Schools without a limit cost one
 * cached read a second and nothing per push.
 */
export class PushGate {
  private readonly limits = new Map<number, { limit: number | null; untilMs: number }>();

  constructor(
    private readonly schools: Pick<SchoolStore, 'pushLimit'>,
    private readonly window: Pick<PushWindow, 'waitMs' | 'record'>,
  ) {}

  private async limitOf(sid: number): Promise<number | null> {
    const now = Date.now();
    const cached = this.limits.get(sid);
    if (cached && cached.untilMs > now) return cached.limit;
    const limit = await this.schools.pushLimit(sid);
    if (this.limits.size > 100_000) this.limits.clear();
    this.limits.set(sid, { limit, untilMs: now + LIMIT_CACHE_MS });
    return limit;
  }

  /** 0 when the school may be pushed now, else how many ms until it may. */
  async waitMs(sid: number): Promise<number> {
    const limit = await this.limitOf(sid);
    return limit === null ? 0 : this.window.waitMs(sid, limit);
  }

  /** Counts a push that has just ended against the school's limit. */
  async ended(sid: number): Promise<void> {
    if ((await this.limitOf(sid)) !== null) await this.window.record(sid);
  }
}
