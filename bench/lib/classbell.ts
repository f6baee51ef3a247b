/** One classbell instance inside the bench process: API on an ephemeral port, workers, stores. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/lib/logger.js';
import { waitReady } from '../../src/lib/redis.js';
import { tuneRedis } from '../../src/lib/redis-tuning.js';
import { startWorkers, type RunningWorkers } from '../../workers/main.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './redis-util.js';
import { nowEpochMs } from './receiver-protocol.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** Tuning variables passed through from the bench's environment, so they can be tried without code changes. */
const PASS_THROUGH = [
  'WORKER_CONCURRENCY', 'DRAIN_BATCH', 'DRAIN_SLICE_MS', 'DELIVERY_TIMEOUT_MS', 'PUSH_CONNECTIONS_PER_ORIGIN',
  // Tracing (docs/tracing.md), to measure what it costs: the SDK reads the other OTEL_* itself.
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL',
] as const;

/** Environment overrides a scenario may set (e.g. a short DELIVERY_TIMEOUT_MS / RETRY_SCHEDULE). */
export type EnvOverrides = Record<string, string>;

/**
 * The environment the bench runs classbell with: the pass-through tuning variables, then the
 * scenario's overrides, then what the bench needs (prefix, admin token, loopback endpoints).
 */
export function benchEnv(prefix: string, overrides: EnvOverrides = {}): Record<string, string | undefined> {
  const passed = Object.fromEntries(PASS_THROUGH.map((name) => [name, process.env[name]]));
  return {
    ...passed,
    ...overrides,
    // The per-app ingest limit is a policy, not a cost: off, so the bench measures the machinery.
    INGEST_RATE_LIMIT_PER_S: '0',
    NODE_ENV: 'production', REDIS_URL, ADMIN_TOKEN, KEY_PREFIX: prefix, ALLOW_PRIVATE_ENDPOINTS: 'true', LOG_LEVEL: 'error',
  };
}

/** The configuration the bench runs classbell with (also read by the baseline for WORKER_CONCURRENCY). */
export function benchConfig(prefix: string, overrides: EnvOverrides = {}): Readonly<Config> {
  return loadConfig(benchEnv(prefix, overrides));
}

export interface ApiReply {
  status: number;
  body: unknown;
}

/** A hands_up event whose `uid` is the school's sequence number (the receiver checks it increases). */
export interface BenchEvent {
  type: 'hands_up';
  sid: number;
  classId: number;
  uid: number;
  up: boolean;
}

export function handsUp(sid: number, seq: number): BenchEvent {
  return { type: 'hands_up', sid, classId: 1, uid: seq, up: true };
}

/** Timing of one ingest request, epoch ms. */
export interface IngestTiming {
  startMs: number;
  ackMs: number;
  ids: string[];
}

export class Classbell {
  workers: RunningWorkers | undefined;
  private appAuth = '';

  private constructor(
    readonly prefix: string,
    readonly deps: Deps,
    private readonly server: Server,
    readonly pool: Pool,
  ) {}

  /** Deps + API listening on 127.0.0.1:0 (+ workers unless `workers: false`). */
  static async start(name: string, options: { workers?: boolean; env?: EnvOverrides } = {}): Promise<Classbell> {
    const prefix = uniquePrefix(name);
    const config = benchConfig(prefix, options.env);
    const logger = createLogger(config.logLevel);
    // As src/main.ts: the SDK is loaded only when OTEL_* turn tracing on.
    const tracing = config.tracing ? await (await import('../../src/lib/tracing-sdk.js')).createTracing(config.tracing, 'all', logger) : undefined;
    const deps = createDeps(config, logger, tracing);
    await waitReady(deps.redis);
    await tuneRedis(deps.redis, deps.logger, config.redisTune); // as src/main.ts does at start
    const server = buildApp(deps).listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    server.keepAliveTimeout = 60_000;
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 16, pipelining: 1 });
    const instance = new Classbell(prefix, deps, server, pool);
    if (options.workers !== false) instance.startWorkers();
    return instance;
  }

  get config(): Readonly<Config> {
    return this.deps.config;
  }

  startWorkers(): RunningWorkers {
    this.workers ??= startWorkers(this.deps);
    return this.workers;
  }

  async stopWorkers(): Promise<void> {
    await this.workers?.close();
    this.workers = undefined;
  }

  async api(method: 'GET' | 'POST', path: string, body?: unknown, authorization = `Bearer ${ADMIN_TOKEN}`): Promise<ApiReply> {
    const response = await this.pool.request({
      method, path,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  /** Creates the classroom-server app (all schools) whose Basic credentials ingest() uses. */
  async createApp(): Promise<void> {
    const reply = await this.api('POST', '/v1/apps', { name: 'bench classroom server', sids: '*' });
    if (reply.status !== 201) throw new Error(`POST /v1/apps answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    const { appId, appSecret } = reply.body as { appId: string; appSecret: string };
    this.appAuth = `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}`;
  }

  /** Registers schools (10 requests in flight) and waits until every one is active; returns their secrets. */
  async createSchools(sids: readonly number[], endpointFor: (sid: number) => string, timeoutMs = 60_000): Promise<Map<number, string>> {
    const secrets = new Map<number, string>();
    let next = 0;
    const lane = async () => {
      while (next < sids.length) {
        const sid = sids[next++]!;
        const reply = await this.api('POST', '/v1/schools', { sid, name: `bench school ${sid}`, endpointUrl: endpointFor(sid) });
        if (reply.status !== 201) throw new Error(`POST /v1/schools answered ${reply.status}: ${JSON.stringify(reply.body)}`);
        secrets.set(sid, (reply.body as { secret: string }).secret);
      }
    };
    await Promise.all(Array.from({ length: Math.min(10, sids.length) }, lane));
    const until = Date.now() + timeoutMs;
    for (;;) {
      const reply = await this.api('GET', '/v1/schools');
      const items = (reply.body as { items: { sid: number; status: string; lastError: string | null }[] }).items;
      const mine = items.filter((s) => secrets.has(s.sid));
      if (mine.length === sids.length && mine.every((s) => s.status === 'active')) return secrets;
      if (Date.now() > until) {
        const stuck = mine.filter((s) => s.status !== 'active').slice(0, 3);
        throw new Error(`schools not active after ${timeoutMs} ms, e.g. ${JSON.stringify(stuck)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The Basic authorization of the app createApp() made (for load generators in other processes). */
  /** Where and how a classroom server posts events to this instance (for the load generator). */
  get ingestTarget(): { url: string; headers: Record<string, string> } {
    return { url: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/events`, headers: { authorization: this.appAuth, 'content-type': 'application/json' } };
  }

  get appAuthorization(): string {
    return this.appAuth;
  }

  /**
   * Registers schools straight through the store (create + verified), `parallel` at a time, without
   * a verification push: fast enough for 10,000 schools, and works for dead endpoints too.
   */
  async registerSchoolsDirect(sids: readonly number[], endpointFor: (sid: number) => string, parallel = 256): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < sids.length) {
        const sid = sids[next++]!;
        const created = await this.deps.schools.create({ sid, name: `bench school ${sid}`, endpointUrl: endpointFor(sid), subscriptions: '*' });
        if (!created) throw new Error(`school ${sid} already exists`);
        const change = await this.deps.schools.changeStatus(sid, 'verified', '');
        if (change.kind !== 'ok' || change.status !== 'active') throw new Error(`school ${sid}: verified → ${JSON.stringify(change)}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, sids.length) }, lane));
  }

  /** POST /v1/events with a batch; throws unless 202 with every event accepted. */
  async ingest(events: readonly BenchEvent[]): Promise<IngestTiming> {
    const startMs = nowEpochMs();
    const reply = await this.api('POST', '/v1/events', { events }, this.appAuth);
    const ackMs = nowEpochMs();
    const accepted = (reply.body as { accepted?: string[] } | null)?.accepted;
    if (reply.status !== 202 || !accepted || accepted.length !== events.length) {
      throw new Error(`POST /v1/events answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
    }
    return { startMs, ackMs, ids: accepted };
  }

  /** Stops workers, API and connections, then deletes every key of the instance. */
  async close(): Promise<void> {
    await this.stopWorkers();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.pool.close();
    await this.deps.close();
    await dropPrefix(this.prefix);
  }
}
