import type { Server } from 'node:http';
import express from 'express';
import { authFailureLimit } from './api/auth-failures.js';
import { errorHandler } from './api/error-handler.js';
import { healthRouter } from './api/health.js';
import { pingRedis } from './store/health.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, metricsTokens, type Config } from './config.js';
import { createDeps } from './deps.js';
import { createHttpServer } from './lib/http-server.js';
import { createLogger, type Logger } from './lib/logger.js';
import { ensureRedis, type PrivateRedis } from './lib/redis-autostart.js';
import { waitReady } from './lib/redis.js';
import { tuneRedis } from './lib/redis-tuning.js';
import { WorkerProcesses, serveParent } from './lib/worker-processes.js';
import { startWorkers, type RunningWorkers } from '../workers/main.js';

type Role = 'all' | 'api' | 'worker';

function roleFromArgs(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length) ?? 'all';
  if (arg === 'all' || arg === 'api' || arg === 'worker') return arg;
  throw new ConfigError([`--role: expected all, api or worker, got "${arg}"`]);
}

function configOrExit(): { config: Readonly<Config>; role: Role } {
  try {
    return { config: loadConfig(process.env), role: roleFromArgs(process.argv.slice(2)) };
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

async function listen(app: express.Express, port: number): Promise<Server> {
  const server = createHttpServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Stops in order on SIGTERM/SIGINT (or when the returned function is called): no new requests,
 * in-flight pushes finish, connections close, private Redis last.
 */
function onShutdown(logger: Logger, timeoutMs: number, steps: (() => Promise<unknown>)[]): (why: string) => Promise<void> {
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    logger.info('shutting down', { signal });
    setTimeout(() => {
      logger.error('shutdown took too long; exiting', { timeoutMs });
      process.exit(1);
    }, timeoutMs).unref();
    for (const step of steps) {
      await step().catch((error: unknown) => logger.warn('shutdown step failed', { error: String(error) }));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}

async function main(): Promise<void> {
  const { config, role } = configOrExit();
  const logger = createLogger(config.logLevel);
  if (config.nodeEnv === 'development' && !process.env.ADMIN_TOKEN) {
    logger.warn('NODE_ENV=development and no ADMIN_TOKEN: the operator token is "dev-admin-token"; set ADMIN_TOKEN (and NODE_ENV=production) before exposing this service');
  }
  let privateRedis: PrivateRedis | undefined;
  try {
    // A cluster (or a Sentinel-managed primary) is never started privately: its nodes are the operator's.
    if (!config.redisClusterNodes && !config.redisSentinels) privateRedis = await ensureRedis(config.redisUrl, config.redisDataDir, logger);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const deps = createDeps(config, logger);
  await waitReady(deps.redis, 10_000);
  await tuneRedis(deps.redis, logger, config.redisTune);
  let server: Server | undefined;
  let workers: RunningWorkers | undefined;
  if (role !== 'worker') {
    server = await listen(buildApp(deps), config.port);
    logger.info('API listening', { port: config.port, role });
  }
  if (role === 'worker' && config.metricsPort > 0) {
    // A worker-only process has no API; it still exposes /metrics, /healthz and /readyz.
    const metricsApp = express();
    if (config.trustProxy !== undefined) metricsApp.set('trust proxy', config.trustProxy);
    metricsApp.use(healthRouter(() => pingRedis(deps.redis), deps.metrics, metricsTokens(config), authFailureLimit(deps.rateLimits, config)));
    metricsApp.use(errorHandler(logger));
    server = await listen(metricsApp, config.metricsPort).catch((error: unknown) => {
      logger.warn('metrics port unavailable; running without /metrics', { port: config.metricsPort, error: String(error) });
      return undefined;
    });
    if (server) logger.info('metrics listening', { port: config.metricsPort });
  }
  // `npm start` runs the drains in worker processes of their own (WORKER_PROCESSES, 1 by default):
  // with one event per request, the API's event loop alone is most of a core at 1,000 posts/s.
  let workerProcesses: WorkerProcesses | undefined;
  if (role === 'all' && config.workerProcesses > 0) {
    workerProcesses = new WorkerProcesses({
      count: config.workerProcesses, entry: process.argv[1]!, args: ['--role=worker'], logger,
      // The API's /metrics includes theirs: no port of their own.
      env: { ...process.env, METRICS_PORT: '0' },
    });
    const children = workerProcesses;
    deps.metrics.addProcesses(() => children.metrics());
    logger.info('worker processes started', { processes: config.workerProcesses, concurrency: config.workerConcurrency });
  } else if (role !== 'api') {
    workers = startWorkers(deps);
    logger.info('workers started', { concurrency: config.workerConcurrency, role });
  }
  const shutdown = onShutdown(logger, config.shutdownTimeoutMs, [
    () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
    async () => workerProcesses?.stop(),
    async () => workers?.close(),
    () => deps.close(),
    async () => privateRedis?.stop(),
  ]);
  // A worker process of `npm start`: its metrics go to the API's scrape; it stops with its parent.
  if (role === 'worker') serveParent(() => deps.metrics.json(), () => void shutdown('parent process gone'));
}

main().catch((error: unknown) => {
  console.error('classbell failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
