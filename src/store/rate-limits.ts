import type { RedisClient } from '../lib/redis.js';
import { AppError } from '../lib/errors.js';
import type { Keys } from './keys.js';
import { AccessScripts } from './access-scripts.js';

export interface Limit {
  /** Units (events, failures) allowed per window; 0 = no limit. */
  limit: number;
  windowMs: number;
}

/** Redis-backed fixed windows, so a limit holds across every API process. */
export class RateLimiter {
  private readonly scripts: AccessScripts;

  constructor(
    redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.scripts = new AccessScripts(redis, keys);
  }

  private key(name: string, subject: string, windowMs: number): string {
    return `${this.keys.prefix}:rl:${name}:${subject}:${Math.floor(Date.now() / windowMs)}`;
  }

  /** Spends `cost` units; throws a 429 (with Retry-After) when the window is used up. */
  async consume(name: string, subject: string, cost: number, { limit, windowMs }: Limit): Promise<void> {
    if (limit <= 0) return;
    // Larger than a whole window: waiting cannot help, the caller must split it (events of a batch).
    if (cost > limit) throw tooMany(windowMs, `this request costs ${cost}, more than the whole limit of ${limit} per ${windowMs / 1000} s; split it`);
    const reply = await this.scripts.rateLimit({ windowKey: this.key(name, subject, windowMs), limit, windowMs, cost });
    if (!reply.allowed) throw tooMany(reply.retryAfterMs);
  }

  /** Throws a 429 when the window is already used up, without spending anything. */
  async check(name: string, subject: string, limit: Limit): Promise<void> {
    await this.consume(name, subject, 0, limit);
  }
}

/** The 429 of a used-up window, with Retry-After in whole seconds. */
function tooMany(retryAfterMs: number, why = 'too many requests'): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('rate_limited', 429, `${why}; retry after ${seconds} s`, { retryAfterS: seconds }, { 'retry-after': String(seconds) });
}
