import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ChainableCommander, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';
import { followSwitches, sentinelOptions } from './redis-sentinel.js';

/**
 * The client type the stores use: a single Redis (standalone or found through Sentinel) or, with
 * REDIS_CLUSTER_NODES, an ioredis Cluster. Both have the same command methods; every multi-key
 * command and script classbell sends stays within one hash slot (see src/store/keys.ts), so the
 * code is the same for both, and the few places that differ ask `isCluster`.
 */
export type RedisClient = Redis | Cluster;

/** What opening a connection needs: a URL, cluster nodes, or Sentinels. */
export type RedisConfig = Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisSentinels' | 'redisSentinelName'>;

function clusterOf(config: RedisConfig, redisOptions: RedisOptions, options: ClusterOptions = {}): Cluster {
  const { enableOfflineQueue, retryStrategy, ...perNode } = redisOptions;
  const cluster = new Cluster(config.redisClusterNodes ?? [], {
    redisOptions: perNode,
    enableOfflineQueue: enableOfflineQueue ?? true,
    clusterRetryStrategy: (times) => (retryStrategy ? retryStrategy(times) : Math.min(times * 200, 2000)),
    slotsRefreshTimeout: 2000,
    // Reads of many schools at once (dashboards, reconcilers) go out as one pipeline per node.
    enableAutoPipelining: true,
    ...options,
  });
  return cluster;
}

function connect(config: RedisConfig, options: RedisOptions): RedisClient {
  if (config.redisClusterNodes?.length) return clusterOf(config, options);
  const viaSentinel = sentinelOptions(config);
  if (viaSentinel) {
    const client = new Redis({ ...viaSentinel, ...options });
    followSwitches(client, config);
    return client;
  }
  return new Redis(config.redisUrl, options);
}

/**
 * A connection for commands issued by the API and the stores. Commands fail fast while Redis is
 * down (no offline queue), so the API answers 503 instead of hanging.
 */
export function createRedis(config: RedisConfig, options: RedisOptions = {}): RedisClient {
  return connect(config, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
}

/** A connection as BullMQ wants it for workers: blocking commands, retried forever. */
export function createBullConnection(config: RedisConfig): RedisClient {
  return connect(config, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** A connection for SUBSCRIBE (room notifications): reconnects forever, never times out. */
export function createSubscriber(config: RedisConfig): RedisClient {
  return connect(config, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    enableReadyCheck: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The master that serves `key`: "host:port" on a cluster, "" on a single Redis. Keys on the same
 * node may share one script (flag allow-cross-slot-keys); see the ingest.
 */
export function nodeOfKey(redis: RedisClient, key: string): string {
  if (!isCluster(redis)) return '';
  const slots = redis.slots;
  return slots[calculateSlot(key)]?.[0] ?? `slot:${calculateSlot(key)}`;
}

/**
 * One read per item, over keys of many schools: a single pipeline (one write) on a single Redis;
 * on a cluster, where a pipeline must stay on one node, one command each (auto-pipelined per node).
 * `add` puts exactly one command on the pipeline it is given.
 */
export async function readEach<T, R>(redis: RedisClient, items: readonly T[], add: (pipeline: ChainableCommander, item: T) => unknown): Promise<R[]> {
  if (items.length === 0) return [];
  const unwrap = ([error, value]: [Error | null, unknown]) => {
    if (error) throw error;
    return value as R;
  };
  if (!isCluster(redis)) {
    const pipeline = redis.pipeline();
    for (const item of items) add(pipeline, item);
    return ((await pipeline.exec()) ?? []).map(unwrap);
  }
  return Promise.all(items.map(async (item) => {
    const pipeline = redis.pipeline();
    add(pipeline, item);
    const [reply] = (await pipeline.exec()) ?? [];
    return unwrap(reply ?? [new Error('no reply'), null]);
  }));
}

/** The connection to the master serving `key` (for SCAN over one slot's keys); the client itself on a single Redis. */
export function nodeFor(redis: RedisClient, key: string): Redis {
  if (!isCluster(redis)) return redis;
  const wanted = nodeOfKey(redis, key);
  const node = redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === wanted);
  if (!node) throw new Error(`no cluster node serves ${key} (slots not loaded yet?)`);
  return node;
}

/** The master nodes of a cluster (one entry, the client itself, on a single Redis). */
export function masters(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** Resolves once the client is connected (or rejects after timeoutMs). */
export async function waitReady(redis: RedisClient, timeoutMs = 5000): Promise<void> {
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
