import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { DrainScripts } from './drain-scripts.js';

/**
 * A school's push-rate limit (`maxPushesPerS`), shared by every worker process: the end times of
 * its recent pushes in one sorted set (push-window-1.lua, on Redis's clock).
 */
export class PushWindow {
  private readonly member = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly scripts: DrainScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.scripts = new DrainScripts(redis, keys);
  }

  /** 0 when the school may be pushed now under `limit` pushes a second, else how many ms to wait. */
  async waitMs(sid: number, limit: number): Promise<number> {
    return this.scripts.pushWindow({ sid, action: 'permit', limit });
  }

  /** Records a push to the school that has just ended (delivered or not). */
  async record(sid: number): Promise<void> {
    await this.scripts.pushWindow({ sid, action: 'record', member: `${this.member}.${++this.seq}` });
  }

  /** Pushes that ended within the last second (for the school's stats). */
  async lastSecond(sid: number, nowMs = Date.now()): Promise<number> {
    return this.redis.zcount(this.keys.pushWindow(sid), nowMs - 1000, '+inf');
  }
}
