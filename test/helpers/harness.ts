import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import { createRedis, masters, waitReady, type RedisClient } from '../../src/lib/redis.js';
import { startWorkers, type RunningWorkers } from '../../workers/main.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Set (host:port,…) to run the suite against a Redis Cluster: `npm run test:cluster`. */
export const REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES ?? '';
const redisEnv: Record<string, string> = REDIS_CLUSTER_NODES ? { REDIS_URL, REDIS_CLUSTER_NODES } : { REDIS_URL };

/** A plain client of the Redis (or cluster) the tests use. */
export function testRedis(): RedisClient {
  return createRedis(loadConfig({ NODE_ENV: 'test', ADMIN_TOKEN, ...redisEnv }), { enableOfflineQueue: true, maxRetriesPerRequest: 3 });
}
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** A fresh key prefix per test file, so tests never see each other's data. */
export function uniquePrefix(name: string): string {
  return `t${name.replace(/[^a-z0-9]/gi, '').slice(0, 12)}${randomBytes(3).toString('hex')}`;
}

export function testConfig(prefix: string, env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    NODE_ENV: 'test', ...redisEnv, ADMIN_TOKEN, KEY_PREFIX: prefix, ALLOW_PRIVATE_ENDPOINTS: 'true',
    RETRY_SCHEDULE: '50ms,100ms,200ms', DELIVERY_TIMEOUT_MS: '2000', LOG_LEVEL: 'error',
    // Tests send many bad credentials on purpose; test/api/rate-limits.test.ts turns the limit on.
    AUTH_FAILURE_LIMIT: '0', ...env,
  });
}

export interface Harness {
  prefix: string;
  config: Readonly<Config>;
  deps: Deps;
  app: Express;
  workers: RunningWorkers | undefined;
  startWorkers(): RunningWorkers;
  close(): Promise<void>;
}

/** Every key under a prefix, sorted (all masters of a cluster are scanned). */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys.sort();
}

/** Deletes every key under a prefix (BullMQ's too). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = testRedis();
  await waitReady(redis);
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      // One key per UNLINK: on a cluster, keys of different slots cannot share a command.
      await Promise.all(keys.map((key) => node.unlink(key)));
      cursor = next;
    } while (cursor !== '0');
  }
  redis.disconnect();
}

/** Stores + in-process API (+ workers unless `workers: false`) on a unique prefix of the real Redis. */
export async function createHarness(name: string, options: { workers?: boolean; env?: Record<string, string>; logger?: Logger } = {}): Promise<Harness> {
  const prefix = uniquePrefix(name);
  const config = testConfig(prefix, options.env);
  const deps = createDeps(config, options.logger ?? createLogger('error', { silent: true }));
  await waitReady(deps.redis);
  const harness: Harness = {
    prefix, config, deps, app: buildApp(deps), workers: undefined,
    startWorkers() {
      harness.workers = startWorkers(deps);
      return harness.workers;
    },
    async close() {
      await harness.workers?.close();
      await deps.close();
      await dropPrefix(prefix);
    },
  };
  if (options.workers !== false) harness.startWorkers();
  return harness;
}

/** Creates an app through the API and returns its Basic header. */
export async function createApp(app: Express, sids: number[] | '*' = '*'): Promise<{ appId: string; appSecret: string; auth: { Authorization: string } }> {
  const res = await request(app).post('/v1/apps').set(admin).send({ name: 'classroom server', sids }).expect(201);
  const { appId, appSecret } = res.body as { appId: string; appSecret: string };
  return { appId, appSecret, auth: { Authorization: `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}` } };
}

/** Registers a school through the API. */
export async function createSchool(app: Express, sid: number, endpointUrl: string, extra: Record<string, unknown> = {}) {
  const res = await request(app).post('/v1/schools').set(admin).send({ sid, name: `school ${sid}`, endpointUrl, ...extra }).expect(201);
  return res.body as { sid: number; secret: string; apiKey: string; status: string };
}

/** Polls until `check` returns a truthy value (or fails after timeoutMs with `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function handsUp(sid: number, i: number, extra: Record<string, unknown> = {}) {
  return { type: 'hands_up', sid, classId: 51345, courseId: 18041431, actionTime: 1562838399 + i, uid: 1000 + i, up: true, ...extra };
}
