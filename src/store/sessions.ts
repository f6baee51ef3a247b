import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

/** Dashboard sessions as Redis holds them: one JSON value per id, expiring with the session. */
export class SessionRecords {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async save(id: string, json: string, ttlS: number): Promise<void> {
    await this.redis.set(this.keys.session(id), json, 'EX', ttlS);
  }

  /** The stored JSON, or null when there is no such session (or it expired). */
  load(id: string): Promise<string | null> {
    return this.redis.get(this.keys.session(id));
  }

  async remove(id: string): Promise<void> {
    await this.redis.del(this.keys.session(id));
  }

  /** The sid whose API key hashes to `hash`, or null (the school-key index of SchoolStore). */
  async sidOfApiKeyHash(hash: string): Promise<number | null> {
    const sid = await this.redis.get(this.keys.schoolApiKey(hash));
    return sid === null ? null : Number(sid);
  }
}
