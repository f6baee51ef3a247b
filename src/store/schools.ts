import { randomBytes } from 'node:crypto';
import { generateSecret, hashCredential } from '../domain/signing.js';
import { nodeFor, readEach, type RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { SchoolScripts, type SchoolStatus, type StatusAction, type StatusChange } from './school-scripts.js';

export type { SchoolStatus, StatusChange } from './school-scripts.js';

/** The points a delete passes; a crash after any of them is finished later (finishPendingDeletes). */
export type DeleteStep = 'listed' | 'marked' | 'unindexed' | 'unlinked';
export type Subscriptions = string[] | '*';

/** A school as the API shows it: never its secret or API key. */
export interface School {
  sid: number;
  name: string;
  endpointUrl: string;
  subscriptions: Subscriptions;
  /** At most this many pushes in any one-second window; null: unlimited. */
  maxPushesPerS: number | null;
  status: SchoolStatus;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the delivery path needs besides the public fields. */
export interface SchoolWithSecret extends School {
  secret: string;
  verifyId: string;
}

/** Subscriptions are stored as "*" or ",type,type," so Lua can test membership with one find. */
const encodeSubs = (subs: Subscriptions) => (subs === '*' ? '*' : `,${subs.join(',')},`);
const decodeSubs = (text: string | undefined): Subscriptions =>
  !text || text === '*' ? '*' : text.split(',').filter((t) => t !== '');

/** maxPushesPerS is stored as a positive integer, or "" for unlimited. */
const decodeLimit = (text: string | null | undefined): number | null => (text ? Number(text) : null);

function parse(h: Record<string, string>): SchoolWithSecret | undefined {
  // A school being deleted is gone for every reader (see SchoolStore.delete).
  if (!h.sid || h.status === 'deleting') return undefined;
  return {
    sid: Number(h.sid),
    name: h.name ?? '',
    endpointUrl: h.url ?? '',
    subscriptions: decodeSubs(h.subs),
    maxPushesPerS: decodeLimit(h.maxPps),
    status: (h.status ?? 'pending') as SchoolStatus,
    lastError: h.lastError ? h.lastError : null,
    createdAt: new Date(Number(h.createdAt)).toISOString(),
    updatedAt: new Date(Number(h.updatedAt ?? h.createdAt)).toISOString(),
    secret: h.secret ?? '',
    verifyId: h.verifyId ?? '',
  };
}

/** Strips what must never leave the server. */
export function publicSchool(s: SchoolWithSecret): School {
  const { secret: _secret, verifyId: _verifyId, ...rest } = s;
  return rest;
}

/** Schools: endpoint, secret, subscriptions and status. */
export class SchoolStore {
  private readonly scripts: SchoolScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.scripts = new SchoolScripts(redis, keys);
  }

  /** Registers a school; undefined when the sid is taken. Secret and API key are returned only here. */
  async create(input: { sid: number; name: string; endpointUrl: string; secret?: string; subscriptions: Subscriptions; maxPushesPerS?: number | null }) {
    const secret = input.secret ?? generateSecret();
    const apiKey = `sk_${randomBytes(24).toString('base64url')}`;
    const apiKeyHash = hashCredential(apiKey);
    const now = Date.now();
    const fields = {
      sid: input.sid, name: input.name, url: input.endpointUrl, subs: encodeSubs(input.subscriptions), maxPps: input.maxPushesPerS ?? '',
      status: 'pending', lastError: '', secret, apiKeyHash, createdAt: now, updatedAt: now, verifyId: '', verified: '0',
    };
    // A delete of the same sid that a crash left half-done is finished first: the new school
    // starts empty.
    const listed = await this.redis.zscore(this.keys.schoolsDeleting, String(input.sid));
    if (listed !== null || (await this.redis.hget(this.keys.school(input.sid), 'status')) === 'deleting') await this.completeDelete(input.sid);
    // Indexes first (single-key commands: each may live on another cluster node), then the school.
    await this.redis.set(this.keys.schoolApiKey(apiKeyHash), input.sid);
    await this.redis.zadd(this.keys.schools, input.sid, String(input.sid));
    if (!(await this.scripts.createSchool({ sid: input.sid, fields }))) {
      await this.redis.del(this.keys.schoolApiKey(apiKeyHash));
      return undefined;
    }
    const school = parse(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]))) as SchoolWithSecret;
    return { school, secret, apiKey };
  }

  /** The school's maxPushesPerS (null: unlimited, or no such school). */
  async pushLimit(sid: number): Promise<number | null> {
    return decodeLimit(await this.redis.hget(this.keys.school(sid), 'maxPps'));
  }

  /** Every registered school's sid, in order. */
  async sids(): Promise<number[]> {
    return (await this.redis.zrange(this.keys.schools, 0, -1)).map(Number);
  }

  async get(sid: number): Promise<SchoolWithSecret | undefined> {
    return parse(await this.redis.hgetall(this.keys.school(sid)));
  }

  async list(): Promise<SchoolWithSecret[]> {
    const sids = await this.redis.zrange(this.keys.schools, 0, -1);
    const rows = await readEach<string, Record<string, string>>(this.redis, sids, (pipeline, sid) => pipeline.hgetall(this.keys.school(Number(sid))));
    return rows.flatMap((h) => parse(h) ?? []);
  }

  /** Changes name, endpoint, subscriptions or push limit; the caller re-verifies when the endpoint changed. */
  async update(sid: number, patch: { name?: string; endpointUrl?: string; subscriptions?: Subscriptions; maxPushesPerS?: number | null }): Promise<boolean> {
    const fields: Record<string, string | number> = { updatedAt: Date.now() };
    if (patch.maxPushesPerS !== undefined) fields.maxPps = patch.maxPushesPerS ?? '';
    if (patch.name !== undefined) fields.name = patch.name;
    if (patch.endpointUrl !== undefined) fields.url = patch.endpointUrl;
    if (patch.subscriptions !== undefined) fields.subs = encodeSubs(patch.subscriptions);
    const key = this.keys.school(sid);
    if (!(await this.redis.exists(key))) return false;
    if (fields.subs === undefined) await this.redis.hset(key, fields);
    // The drain state mirrors the subscriptions for the ingest (same slot: one transaction).
    else await this.redis.multi().hset(key, fields).hset(this.keys.state(sid), 'subs', fields.subs).exec();
    return true;
  }

  /**
   * Deletes the school with every key of it (queued events included). Final from the moment it
   * returns: the school is marked `deleting` in one script first (the ingest refuses the sid, its
   * drain jobs go stale), listed in `schoolsDeleting`, and its keys removed by `finishDelete`. A
   * process that dies half-way leaves the school marked and listed: the maintenance worker
   * finishes it (`finishPendingDeletes`), and so does a create of the same sid.
   * @param onStep called after each step (tests stop a delete there, as a crash would).
   */
  async delete(sid: number, onStep: (step: DeleteStep) => void = () => {}): Promise<boolean> {
    await this.redis.zadd(this.keys.schoolsDeleting, Date.now(), String(sid));
    onStep('listed');
    const marked = await this.scripts.markSchoolDeleting({ sid, nowMs: Date.now() });
    if (marked.kind === 'missing') {
      await this.redis.zrem(this.keys.schoolsDeleting, String(sid));
      return false;
    }
    onStep('marked');
    await this.finishDelete(sid, onStep);
    return true;
  }

  /**
   * Removes what is left of a school marked `deleting` (idempotent: each step may have run
   * before): the indexes, its open alerts, every key under its hash tag, then the school hash and
   * all of its drain state but the epoch, and once more any key a racing writer recreated.
   */
  async finishDelete(sid: number, onStep: (step: DeleteStep) => void = () => {}): Promise<void> {
    const apiKeyHash = await this.redis.hget(this.keys.school(sid), 'apiKeyHash');
    await this.redis.zrem(this.keys.schools, String(sid));
    await this.redis.zrem(this.keys.logActivity, String(sid));
    if (apiKeyHash) await this.redis.del(this.keys.schoolApiKey(apiKeyHash));
    await this.redis.hdel(this.keys.openAlerts, `${sid}:delivery_failing`, `${sid}:verification_failed`);
    onStep('unindexed');
    const keep = new Set([this.keys.school(sid), this.keys.state(sid)]);
    await this.unlinkTagged(sid, keep);
    onStep('unlinked');
    await this.scripts.finishSchoolDelete({ sid });
    await this.unlinkTagged(sid, keep);
    await this.redis.zrem(this.keys.schoolsDeleting, String(sid));
  }

  /** Finishes deletes begun before `beganBeforeMs` whose process died; returns their sids. */
  async finishPendingDeletes(beganBeforeMs: number): Promise<number[]> {
    const sids = (await this.redis.zrangebyscore(this.keys.schoolsDeleting, '-inf', beganBeforeMs, 'LIMIT', 0, 100)).map(Number);
    for (const sid of sids) await this.completeDelete(sid);
    return sids;
  }

  /** Marks (again: a crash may have come right after listing) and finishes a begun delete. */
  private async completeDelete(sid: number): Promise<void> {
    await this.scripts.markSchoolDeleting({ sid, nowMs: Date.now() });
    await this.finishDelete(sid);
  }

  /** Unlinks every key under the school's hash tag except `keep` (one node holds them all). */
  private async unlinkTagged(sid: number, keep: Set<string>): Promise<void> {
    const node = nodeFor(this.redis, this.keys.school(sid));
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${this.keys.tag(sid)}:*`, 'COUNT', 1000);
      const doomed = found.filter((key) => !keep.has(key));
      if (doomed.length > 0) await node.unlink(...doomed);
      cursor = next;
    } while (cursor !== '0');
  }

  /** New signing secret, effective from the next push attempt. */
  async rotateSecret(sid: number): Promise<string | undefined> {
    if (!(await this.redis.exists(this.keys.school(sid)))) return undefined;
    const secret = generateSecret();
    await this.redis.hset(this.keys.school(sid), 'secret', secret, 'updatedAt', Date.now());
    return secret;
  }

  /** New API key for the school's own access; the old one stops working at once. */
  async rotateApiKey(sid: number): Promise<string | undefined> {
    const oldHash = await this.redis.hget(this.keys.school(sid), 'apiKeyHash');
    if (oldHash === null) return undefined;
    const apiKey = `sk_${randomBytes(24).toString('base64url')}`;
    const hash = hashCredential(apiKey);
    // The new key works before the old one stops (separate keys: no transaction on a cluster).
    await this.redis.set(this.keys.schoolApiKey(hash), sid);
    await this.redis.hset(this.keys.school(sid), 'apiKeyHash', hash);
    await this.redis.del(this.keys.schoolApiKey(oldHash));
    return apiKey;
  }

  /** The sid an API key belongs to (looked up by its hash, so no timing leak on the key itself). */
  async sidForApiKey(apiKey: string): Promise<number | undefined> {
    const sid = await this.redis.get(this.keys.schoolApiKey(hashCredential(apiKey)));
    return sid === null ? undefined : Number(sid);
  }

  /** pause | resume | verifying | verified | unverified: see set-school-status-3.lua. */
  changeStatus(sid: number, action: StatusAction, verifyId = '', errorText = ''): Promise<StatusChange> {
    return this.scripts.setSchoolStatus({ sid, action, nowMs: Date.now(), verifyId, errorText });
  }
}
