import { randomBytes } from 'node:crypto';
import { credentialMatches, generateSecret, hashCredential } from '../domain/signing.js';
import { readEach, type RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

/** A classroom server allowed to post events for some schools (or all: "*"). */
export interface App {
  appId: string;
  name: string;
  sids: number[] | '*';
  createdAt: string;
}

function parse(appId: string, h: Record<string, string>): App | undefined {
  if (!h.name) return undefined;
  return { appId, name: h.name, sids: JSON.parse(h.sids ?? '"*"') as App['sids'], createdAt: new Date(Number(h.createdAt)).toISOString() };
}

/** Apps (classroom servers) and their Basic credentials; secrets are stored as SHA-256 only. */
export class AppStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Creates an app; the secret is returned here and never again. */
  async create(input: { name: string; sids: number[] | '*' }): Promise<App & { appSecret: string }> {
    const appId = randomBytes(16).toString('hex'); // 32 hex characters, like an Agora App ID
    const appSecret = generateSecret();
    const createdAt = Date.now();
    // The app, then its index entry (separate keys, so no transaction on a cluster; a listing
    // skips index entries without an app).
    await this.redis.hset(this.keys.app(appId), { name: input.name, sids: JSON.stringify(input.sids), secretHash: hashCredential(appSecret), createdAt });
    await this.redis.zadd(this.keys.apps, createdAt, appId);
    return { appId, appSecret, name: input.name, sids: input.sids, createdAt: new Date(createdAt).toISOString() };
  }

  async get(appId: string): Promise<App | undefined> {
    return parse(appId, await this.redis.hgetall(this.keys.app(appId)));
  }

  async list(): Promise<App[]> {
    const ids = await this.redis.zrange(this.keys.apps, 0, -1);
    const rows = await readEach<string, Record<string, string>>(this.redis, ids, (pipeline, id) => pipeline.hgetall(this.keys.app(id)));
    return ids.flatMap((id, i) => parse(id, rows[i] ?? {}) ?? []);
  }

  async delete(appId: string): Promise<boolean> {
    const removed = await this.redis.del(this.keys.app(appId));
    await this.redis.zrem(this.keys.apps, appId);
    return removed === 1;
  }

  /** Replaces the secret; undefined when the app does not exist. */
  async rotateSecret(appId: string): Promise<string | undefined> {
    if (!(await this.redis.exists(this.keys.app(appId)))) return undefined;
    const appSecret = generateSecret();
    await this.redis.hset(this.keys.app(appId), 'secretHash', hashCredential(appSecret));
    return appSecret;
  }

  /** The app when the secret matches (constant-time comparison), else undefined. */
  async authenticate(appId: string, secret: string): Promise<App | undefined> {
    const h = await this.redis.hgetall(this.keys.app(appId));
    // Compare even when the app is unknown, so timing does not tell which app ids exist.
    const matches = credentialMatches(secret, h.secretHash ?? '0'.repeat(64));
    return matches ? parse(appId, h) : undefined;
  }
}

/** True when the app may post for the school. */
export function appServes(app: App, sid: number): boolean {
  return app.sids === '*' || app.sids.includes(sid);
}
