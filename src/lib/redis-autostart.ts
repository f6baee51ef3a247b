import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import { HASH_LISTPACK_VALUE } from './redis-tuning.js';

const HOW_TO_GET_REDIS =
  'classbell needs Redis 7.0 or newer. Nothing answered at REDIS_URL and no `redis-server` was found on the PATH, ' +
  'so classbell could not start a private one. Install Redis (Debian/Ubuntu: `apt-get install redis-server`; ' +
  'macOS: `brew install redis`; or run `docker run -p 6379:6379 redis:7`), or point REDIS_URL at a running server, ' +
  'then start classbell again.';

/** True when a Redis server answers PING at the URL within timeoutMs. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** True when an executable named `command` is in one of the PATH directories. */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(resolve(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface PrivateRedis {
  stop(): Promise<void>;
}

/**
 * Makes sure Redis answers at `url`. When nothing answers and `redis-server` is installed, starts a
 * private one (AOF on, data under dataDir) for the life of this process. Otherwise throws with a
 * one-paragraph explanation of how to get Redis.
 */
export async function ensureRedis(url: string, dataDir: string, logger: Logger): Promise<PrivateRedis | undefined> {
  if (await redisAnswers(url)) return undefined;
  if (!onPath('redis-server')) throw new Error(HOW_TO_GET_REDIS);
  const parsed = new URL(url);
  const port = Number(parsed.port || 6379);
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
      '--hash-max-listpack-value', String(HASH_LISTPACK_VALUE)],
    { stdio: 'ignore' },
  );
  logger.warn('nothing answered at REDIS_URL: started a private redis-server with AOF on', { port, dataDir: dir, pid: child.pid });
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url, 500)) {
      return { stop: () => stopChild(child) };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`started redis-server on port ${port} but it did not answer; check that the port is free and ${dir} is writable`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM'); // redis-server flushes its AOF on SIGTERM
  });
}
