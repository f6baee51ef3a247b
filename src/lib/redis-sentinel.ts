import type { RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

export type SentinelConfig = Pick<Config, 'redisUrl' | 'redisSentinels' | 'redisSentinelName'>;

/**
 * A replica answers writes with READONLY: the connection still points at a primary that was
 * demoted (a failover that did not kill it). Reconnecting asks the Sentinels again.
 */
function reconnectOnReadonly(error: Error): boolean {
  return error.message.startsWith('READONLY');
}

/**
 * ioredis options that find the primary through Sentinel, or undefined without REDIS_SENTINELS.
 * The primary's user, password and database number come from REDIS_URL (its host is not used).
 * ioredis asks the Sentinels for the primary on every (re)connect and checks its role, so a
 * failover is followed without a restart. A primary demoted alive answers writes with READONLY,
 * which reconnects. (ioredis's `failoverDetector` is left off on purpose: its +switch-master
 * message can arrive while the client is already reconnecting after the primary died, and it
 * then aborts that reconnect for good — the connection ends and never comes back.)
 */
export function sentinelOptions(config: SentinelConfig): RedisOptions | undefined {
  if (!config.redisSentinels?.length) return undefined;
  const url = new URL(config.redisUrl);
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  return {
    sentinels: config.redisSentinels,
    name: config.redisSentinelName,
    role: 'master',
    // Every Sentinel unreachable: keep asking (as a lost primary is retried forever).
    sentinelRetryStrategy: (times) => Math.min(times * 200, 2000),
    reconnectOnError: reconnectOnReadonly,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
  };
}
