import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';

/**
 * A school's push-rate limit (`maxPushesPerS`), shared by every worker process: the end times of
 * its recent pushes in one sorted set (push-window-1.lua, on Redis's clock).
 */
export class PushWindow {
  private readonly member = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** 0 when the school may be pushed now under `limit` pushes a second, else how many ms to wait. */
  async waitMs(sid: number, limit: number): Promise<number> {
    const reply = await runScript(this.redis, 'pushWindow', [this.keys.pushWindow(sid)], ['permit', limit]);
    if (typeof reply !== 'number') throw new Error(`push-window: expected a number, got ${typeof reply}`);
    return reply;
  }

  /** Records a push to the school that has just ended (delivered or not). */
  async record(sid: number): Promise<void> {
    await runScript(this.redis, 'pushWindow', [this.keys.pushWindow(sid)], ['record', `${this.member}.${++this.seq}`]);
  }

  /** Pushes that ended within the last second (for the school's stats). */
  async lastSecond(sid: number, nowMs = Date.now()): Promise<number> {
    return this.redis.zcount(this.keys.pushWindow(sid), nowMs - 1000, '+inf');
  }
}
