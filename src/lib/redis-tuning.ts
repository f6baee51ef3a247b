import type { Logger } from './logger.js';
import { masters, type RedisClient } from './redis.js';

/**
 * An event record is a small hash whose event JSON is usually 100–300 bytes: above Redis's default
 * `hash-max-listpack-value` (64), which turns every such hash into a full hashtable (~700 bytes
 * instead of ~300). Raising the limit keeps them compact; hashes stay small (≤ 128 fields), so
 * the listpack's linear scans cost nothing measurable.
 */
export const HASH_LISTPACK_VALUE = 1024;

/** Best effort: managed Redis services often refuse CONFIG, and classbell works either way. */
export async function tuneRedis(redis: RedisClient, logger: Logger, enabled: boolean): Promise<void> {
  if (!enabled) return;
  try {
    // Every master of a cluster keeps its own settings.
    for (const node of masters(redis)) {
      const [, current] = (await node.config('GET', 'hash-max-listpack-value')) as [string, string];
      if (Number(current) >= HASH_LISTPACK_VALUE) continue;
      await node.config('SET', 'hash-max-listpack-value', String(HASH_LISTPACK_VALUE));
      logger.info('raised Redis hash-max-listpack-value so event records stay compact', { from: Number(current), to: HASH_LISTPACK_VALUE });
    }
  } catch (error) {
    logger.info('could not tune Redis (CONFIG refused); event records use more memory', { error: error instanceof Error ? error.message : String(error) });
  }
}
