import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

/** Short-lived locks that let one process at a time run a periodic maintenance task. */
export class TaskLocks {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Takes the task's lock for ttlMs unless another process holds it; true when taken. */
  async take(name: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lock(name), String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
  }
}
