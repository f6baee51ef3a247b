import { Redis, type RedisOptions } from 'ioredis';
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
 * which reconnects, and `followSwitches` reconnects at once on Sentinel's +switch-master.
 * (ioredis's own `failoverDetector` is left off on purpose: its +switch-master message can arrive
 * while the client is already reconnecting after the primary died, and it then aborts that
 * reconnect for good — the connection ends and never comes back.)
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

/** The connections of this process that follow +switch-master, and the Sentinel subscriptions. */
const followers = new Set<Redis>();
let listeners: Redis[] = [];

function onSwitch(name: string, message: string): void {
  // "<master name> <old ip> <old port> <new ip> <new port>"
  if (message.split(' ')[0] !== name) return;
  // Only a ready connection is dropped: one already reconnecting asks the Sentinels anyway, and
  // interrupting its connect would end it for good (see sentinelOptions).
  for (const client of followers) if (client.status === 'ready') client.disconnect(true);
}

/**
 * Reconnects `client` (through the Sentinels) as soon as one of the Sentinels announces that the primary
 * changed. Without it a connection to a primary that was demoted alive (a planned failover) would
 * keep writing to it until Sentinel turns it into a replica, seconds later. One subscription per
 * Sentinel per process, dropped with the last follower.
 */
export function followSwitches(client: Redis, config: SentinelConfig): void {
  if (!config.redisSentinels?.length) return;
  followers.add(client);
  client.once('end', () => {
    followers.delete(client);
    if (followers.size > 0) return;
    for (const listener of listeners) listener.disconnect();
    listeners = [];
  });
  if (listeners.length > 0) return;
  listeners = config.redisSentinels.map(({ host, port }) => {
    const listener = new Redis({ host, port, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) });
    // A Sentinel that cannot be reached is retried; the others still report switches.
    listener.on('error', () => undefined);
    listener.on('message', (_channel: string, message: string) => onSwitch(config.redisSentinelName, message));
    void listener.subscribe('+switch-master').catch(() => undefined);
    return listener;
  });
}
