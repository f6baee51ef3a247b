import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { arrayReply, flagReply, isInteger, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/** The typed calls of the access scripts: rate-limit (fixed windows) and claim-user (one app per identity). */

export type RateLimitReply = { allowed: true; count: number } | { allowed: false; retryAfterMs: number; count: number };

function decodeRateLimit(reply: unknown): RateLimitReply {
  const [allowed, retryAfterMs, count] = arrayReply('rateLimit', reply);
  if (!isInteger(retryAfterMs) || !isInteger(count)) return unexpected('rateLimit', reply);
  if (allowed === 1) return { allowed: true, count };
  if (allowed === 0) return { allowed: false, retryAfterMs, count };
  return unexpected('rateLimit', reply);
}

/** The access scripts over one key prefix. */
export class AccessScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** rate-limit: spends `cost` units of the window counted at `windowKey` (0: only looks). */
  async rateLimit(a: { windowKey: string; limit: number; windowMs: number; cost: number }): Promise<RateLimitReply> {
    return decodeRateLimit(await runScript(this.redis, 'rateLimit', [a.windowKey], [a.limit, a.windowMs, a.cost]));
  }

  /** claim-user: claims the identity for the app (or refreshes its claim) for ttlS; false when another app holds it. */
  async claimUser(a: { appId: string; userUuid: string; ttlS: number }): Promise<boolean> {
    return flagReply('claimUser', await runScript(this.redis, 'claimUser', [this.keys.userOwner(a.userUuid)], [a.appId, a.ttlS]));
  }
}
