import type { Config } from './config.js';
import { createBullConnection, createRedis, type RedisClient } from './lib/redis.js';
import { coalesceWrites } from './lib/redis-coalesce.js';
import type { Logger } from './lib/logger.js';
import { EndpointGuard } from './lib/endpoint-guard.js';
import type { Tracing } from './lib/tracing.js';
import { Metrics } from './lib/metrics.js';
import { roomGaugeCollector, schoolGaugeCollector } from './services/school-gauges.js';
import { MonitoringReads } from './store/monitoring-reads.js';
import { NetSampleStore } from './store/net-samples.js';
import { Scheduler } from './queue/scheduler.js';
import { AppStore } from './store/apps.js';
import { ClassStore } from './store/classes.js';
import { DeliveryStore } from './store/deliveries.js';
import { Keys } from './store/keys.js';
import { OutboxStore } from './store/outbox.js';
import { RateLimiter } from './store/rate-limits.js';
import { RoomHub } from './store/rooms-pubsub.js';
import { replicaWaitFor } from './store/replica-wait.js';
import { RoomStore } from './store/rooms.js';
import { SchoolStore } from './store/schools.js';

/** Everything the API and the workers share: connections and stores. */
export interface Deps {
  config: Readonly<Config>;
  logger: Logger;
  redis: RedisClient;
  keys: Keys;
  apps: AppStore;
  schools: SchoolStore;
  classes: ClassStore;
  netSamples: NetSampleStore;
  outbox: OutboxStore;
  deliveries: DeliveryStore;
  rooms: RoomStore;
  /** Room notifications for this process's event streams (pub/sub, connected on first use). */
  roomHub: RoomHub;
  scheduler: Scheduler;
  metrics: Metrics;
  rateLimits: RateLimiter;
  /** SSRF guard for school endpoints (registration and connect time). */
  endpointGuard: EndpointGuard;
  /** OpenTelemetry traces, when OTEL_* turn them on (docs/tracing.md); undefined costs nothing. */
  tracing?: Tracing | undefined;
  close(): Promise<void>;
}

/**
 * A connection for the stores: the commands of one event-loop turn (the settles of many
 * acknowledgements) leave in one socket write, and its problems are logged with `label`.
 */
export function createStoreConnection(config: Readonly<Config>, logger: Logger, label: string): RedisClient {
  const redis = createRedis(config);
  coalesceWrites(redis);
  redis.on('error', (error: Error) => logger.warn(`${label} connection problem`, { error: error.message }));
  return redis;
}

/** Opens the Redis connections and builds the stores. */
export function createDeps(config: Readonly<Config>, logger: Logger, tracing?: Tracing): Deps {
  const redis = createStoreConnection(config, logger, 'redis');
  const bull = createBullConnection(config);
  bull.on('error', (error: Error) => logger.warn('redis (queue) connection problem', { error: error.message }));
  const keys = new Keys(config.keyPrefix);
  const scheduler = new Scheduler(bull, keys.bullPrefix);
  const metrics = new Metrics();
  const monitoringReads = new MonitoringReads(redis, keys);
  metrics.onScrape(schoolGaugeCollector(monitoringReads, metrics));
  metrics.onScrape(roomGaugeCollector(monitoringReads, metrics));
  // A WAIT holds its connection until the replicas answer: ingests get their own connection then,
  // so the API's other commands (and /readyz) never queue behind one.
  const outboxRedis = config.redisMinReplicasAck > 0 ? createStoreConnection(config, logger, 'redis (replicated writes)') : redis;
  const roomHub = new RoomHub(config, keys, (error: Error) => logger.warn('redis (room events) connection problem', { error: error.message }));
  return {
    config, logger, redis, keys, scheduler, metrics, tracing,
    endpointGuard: new EndpointGuard(config.allowPrivateEndpoints),
    rateLimits: new RateLimiter(redis, keys),
    apps: new AppStore(redis, keys),
    schools: new SchoolStore(redis, keys),
    classes: new ClassStore(redis, keys),
    netSamples: new NetSampleStore(redis, keys),
    outbox: new OutboxStore(outboxRedis, keys, config.deliveryRetentionS, undefined, replicaWaitFor(outboxRedis, config), false, config.drainBatch),
    deliveries: new DeliveryStore(redis, keys),
    rooms: new RoomStore(redis, keys, config.roomEventBuffer, config.agoraRtmRest !== undefined),
    roomHub,
    async close() {
      roomHub.close();
      await tracing?.shutdown();
      await scheduler.close();
      redis.disconnect();
      if (outboxRedis !== redis) outboxRedis.disconnect();
      bull.disconnect();
    },
  };
}
