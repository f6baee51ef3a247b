import type { RedisClient } from '../lib/redis.js';
import { FencedQueueScripts } from './queue-scripts.js';

/** The keys of one fenced queue: its lock and list share a slot; `pending` is a global set. */
export interface FencedQueueKeys {
  lock: string;
  queue: string;
  /** The set naming every queue with work left (a sweep finishes what a crashed holder left). */
  pending: string;
  /** This queue's member in `pending`. */
  member: string;
}

/**
 * A Redis list drained by one holder at a time under a token lock with a TTL. The lock is fenced:
 * renewing it and trimming handled entries are scripts that check the token first, so a holder
 * that stalled past its lock (another took it over) can neither extend it nor trim the entries the
 * next holder is working on. Entries are only trimmed after they were handled: a crash leaves them
 * queued for the next holder (at-least-once).
 */
export class FencedQueue {
  private readonly scripts: FencedQueueScripts;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: FencedQueueKeys,
  ) {
    this.scripts = new FencedQueueScripts(redis, keys);
  }

  /** Takes the lock for ttlMs; false when someone else holds it. */
  async lock(token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lock, token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Extends the lock to ttlMs from now; false once it is no longer this token's. */
  async renew(token: string, ttlMs: number): Promise<boolean> {
    return this.scripts.fencedRenew({ token, ttlMs });
  }

  /** The first `max` entries, oldest first (not removed). */
  async peek(max: number): Promise<string[]> {
    return this.redis.lrange(this.keys.queue, 0, max - 1);
  }

  /** Drops the first `count` entries if the lock is still this token's; false (nothing dropped) otherwise. */
  async trim(token: string, count: number): Promise<boolean> {
    return this.scripts.fencedTrim({ token, count });
  }

  /** Releases the lock (if still this token's); returns how many entries are still waiting. */
  async release(token: string): Promise<number> {
    const k = this.keys;
    let left = await this.scripts.fencedRelease({ token });
    if (left === 0) {
      // Out of the pending set, then a second look: work queued before this look is seen here and
      // the queue goes back in; a writer that queues after it adds the queue itself (after its
      // write), so no wake-up is lost.
      await this.redis.srem(k.pending, k.member);
      left = await this.redis.llen(k.queue);
    }
    // Work left: the queue is (again) in the set, even if the writer that queued it died before adding it.
    if (left > 0) await this.redis.sadd(k.pending, k.member);
    return left;
  }
}
