import type { RedisClient } from '../lib/redis.js';

/** True when Redis answers PING (for /readyz). */
export async function pingRedis(redis: RedisClient): Promise<boolean> {
  return (await redis.ping()) === 'PONG';
}
