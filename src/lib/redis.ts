import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

/**
 * A connection for commands issued by the API and the stores. Commands fail fast while Redis is
 * down (no offline queue), so the API answers 503 instead of hanging.
 */
export function createRedis(config: Pick<Config, 'redisUrl'>, options: RedisOptions = {}): Redis {
  return new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
}

/** A connection as BullMQ wants it for workers: blocking commands, retried forever. */
export function createBullConnection(config: Pick<Config, 'redisUrl'>): Redis {
  return new Redis(config.redisUrl, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** Resolves once the client is connected (or rejects after timeoutMs). */
export async function waitReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
