import type { RedisClient } from '../lib/redis.js';
import { flagReply, isInteger, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/**
 * The typed calls of a fenced queue's scripts (fenced-queue.ts): renew and trim check the lock's
 * token first; release drops the lock if still held and tells what is left.
 */

/** The lock and list of one queue (same slot). */
export interface QueueLockKeys {
  lock: string;
  queue: string;
}

/** The fenced-queue scripts of one queue. */
export class FencedQueueScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueLockKeys,
  ) {}

  /** fenced-renew: extends the lock to ttlMs from now; false once it is not this token's. */
  async fencedRenew(a: { token: string; ttlMs: number }): Promise<boolean> {
    return flagReply('fencedRenew', await runScript(this.redis, 'fencedRenew', [this.keys.lock], [a.token, a.ttlMs]));
  }

  /** fenced-trim: drops the first `count` entries if the lock is this token's; false (nothing dropped) otherwise. */
  async fencedTrim(a: { token: string; count: number }): Promise<boolean> {
    return flagReply('fencedTrim', await runScript(this.redis, 'fencedTrim', [this.keys.lock, this.keys.queue], [a.token, a.count]));
  }

  /** fenced-release: releases the lock if still this token's; the entries still queued. */
  async fencedRelease(a: { token: string }): Promise<number> {
    const reply = await runScript(this.redis, 'fencedRelease', [this.keys.lock, this.keys.queue], [a.token]);
    return isInteger(reply) && reply >= 0 ? reply : unexpected('fencedRelease', reply);
  }
}
