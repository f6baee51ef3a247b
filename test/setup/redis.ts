/**
 * vitest's global setup: the tests need Redis at REDIS_URL. When nothing answers there (and no
 * cluster is named), a private redis-server is started for the run, as `npm start` does, and
 * stopped afterwards; without `redis-server` on the PATH the run stops at once with the
 * explanation of how to get Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/lib/logger.js';
import { ensureRedis } from '../../src/lib/redis-autostart.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.REDIS_CLUSTER_NODES) return undefined;
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dir = mkdtempSync(join(tmpdir(), 'classbell-test-redis-'));
  const logger = createLogger('warn');
  const redis = await ensureRedis(url, dir, logger);
  if (!redis) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  console.log(`classbell tests: nothing answered at ${url}; started a private redis-server for this run (data in ${dir})`);
  return async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
