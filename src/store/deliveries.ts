import type { Redis } from 'ioredis';
import type { Attempt } from './outbox.js';
import type { Keys } from './keys.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failing' | 'skipped';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failing', 'skipped'];

/** An event record as stored, with its delivery history. */
export interface StoredEvent {
  id: string;
  sid: number;
  appId: string;
  type: string;
  status: DeliveryStatus | 'unsubscribed';
  event: Record<string, unknown>;
  attempts: Attempt[];
  attemptCount: number;
  createdAt: string;
  deliveredAt: string | null;
}

export interface DeliveryFilter {
  sid?: number;
  status?: DeliveryStatus;
  type?: string;
  sinceMs?: number;
  untilMs?: number;
  limit: number;
  cursor?: string;
}

export interface SchoolStats {
  backlog: number;
  oldestPendingAgeS: number | null;
  headAttempts: number;
  lastDeliveredAt: string | null;
  lastError: string | null;
  delivered: number;
  failedAttempts: number;
  skipped: number;
  /** When the current head first failed (null while the head is fine). */
  failingSince: string | null;
  deliveredLastHour: number;
  /** Deliveries per minute, oldest first, the last entry being the current minute (60 entries). */
  deliveriesPerMinute: number[];
}

const FIELDS = ['app', 'type', 'st', 'ev', 'att', 'n', 'at', 'dAt'] as const;
/** Assigned ids carry their sid, so they need no index: ev_<sid>_<time><random>. */
const ASSIGNED_ID = /^ev_(\d+)_[0-9a-z]+$/;
/** Log scores are ms × 1000 (+ a tie-breaker): the score range of [sinceMs, untilMs]. */
export const logScoreMin = (ms: number) => ms * 1000;
export const logScoreMax = (ms: number) => ms * 1000 + 999;
const iso = (ms: string | null | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);

function toStored(id: string, sid: number, v: (string | null)[]): StoredEvent | undefined {
  const [app, type, st, ev, att, n, at, dAt] = v;
  if (!ev || !type) return undefined;
  return {
    id, sid, appId: app ?? '', type, status: (st ?? 'pending') as StoredEvent['status'],
    event: JSON.parse(ev) as Record<string, unknown>,
    attempts: att ? (JSON.parse(att) as Attempt[]) : [],
    attemptCount: Number(n ?? 0),
    createdAt: iso(at) as string,
    deliveredAt: st === 'delivered' || st === 'skipped' ? iso(dAt) : null,
  };
}

/** Cursor: the last (score, member) returned, so paging is stable while new events arrive. */
const encodeCursor = (score: string, member: string) => Buffer.from(`${score}|${member}`).toString('base64url');
function decodeCursor(cursor: string): { score: string; member: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar < 1 || !/^\d+$/.test(text.slice(0, bar))) return undefined;
  return { score: text.slice(0, bar), member: text.slice(bar + 1) };
}

/** Read side of the delivery log: event look-up, filtered listing, per-school figures. */
export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Assigns an id that encodes the sid (no index key needed). */
  static assignId(sid: number, nowMs = Date.now()): string {
    return `ev_${sid}_${nowMs.toString(36)}${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;
  }

  static isValidCursor(cursor: string): boolean {
    return decodeCursor(cursor) !== undefined;
  }

  /** Which school an event id belongs to, if known. */
  async sidOf(id: string): Promise<number | undefined> {
    const indexed = await this.redis.get(this.keys.eventIndex(id));
    if (indexed) return Number(indexed.split(' ')[1]);
    const m = ASSIGNED_ID.exec(id);
    return m ? Number(m[1]) : undefined;
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const sid = await this.sidOf(id);
    if (sid === undefined) return undefined;
    return toStored(id, sid, await this.redis.hmget(this.keys.event(sid, id), ...FIELDS));
  }

  /** The stored event JSON of each id (null when the record is gone), in the order given. */
  async eventJsons(sid: number, ids: string[]): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.event(sid, id), 'ev');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, v]) => (typeof v === 'string' ? v : null));
  }

  /** Newest first; scans at most 20 × limit log entries per call, then hands back a cursor. */
  async list(filter: DeliveryFilter): Promise<{ items: StoredEvent[]; nextCursor: string | null }> {
    const key = filter.sid === undefined ? this.keys.log : this.keys.schoolLog(filter.sid);
    const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    let max = after ? after.score : filter.untilMs !== undefined ? String(logScoreMax(filter.untilMs)) : '+inf';
    const min = filter.sinceMs !== undefined ? String(logScoreMin(filter.sinceMs)) : '-inf';
    const items: StoredEvent[] = [];
    let skipUntilPast = after;
    let budget = Math.max(200, filter.limit * 20);
    let last: { score: string; member: string } | undefined;
    while (items.length < filter.limit && budget > 0) {
      const chunk = Math.min(500, budget);
      const page = await this.redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', 0, chunk);
      if (page.length === 0) return { items, nextCursor: null };
      const entries: { member: string; score: string }[] = [];
      for (let i = 0; i < page.length; i += 2) entries.push({ member: page[i] as string, score: page[i + 1] as string });
      const fresh = skipUntilPast ? entries.filter((e) => e.score !== skipUntilPast!.score || e.member < skipUntilPast!.member) : entries;
      const rows = await this.readRows(filter.sid, fresh.map((e) => e.member));
      for (let i = 0; i < fresh.length && items.length < filter.limit; i++) {
        last = fresh[i];
        const row = rows[i];
        if (row && matches(row, filter)) items.push(row);
      }
      budget -= page.length;
      if (page.length < chunk && items.length < filter.limit) return { items, nextCursor: null };
      const tail = last ?? entries[entries.length - 1]!;
      max = tail.score;
      skipUntilPast = tail;
      last = tail;
    }
    return { items, nextCursor: last ? encodeCursor(last.score, last.member) : null };
  }

  private async readRows(sid: number | undefined, members: string[]): Promise<(StoredEvent | undefined)[]> {
    const refs = members.map((m) => {
      if (sid !== undefined) return { sid, id: m };
      const slash = m.indexOf('/');
      return { sid: Number(m.slice(0, slash)), id: m.slice(slash + 1) };
    });
    const pipeline = this.redis.pipeline();
    for (const r of refs) pipeline.hmget(this.keys.event(r.sid, r.id), ...FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    return refs.map((r, i) => toStored(r.id, r.sid, (replies[i]?.[1] ?? []) as (string | null)[]));
  }

  async stats(sid: number, nowMs = Date.now()): Promise<SchoolStats> {
    const k = this.keys;
    const [[, backlog], [, head], [, st], [, ring]] = (await this.redis
      .multi()
      .llen(k.outbox(sid))
      .lindex(k.outbox(sid), 0)
      .hmget(k.state(sid), 'headAttempts', 'lastDeliveredAt', 'lastError', 'delivered', 'failedAttempts', 'skipped', 'headFailingSince')
      .hgetall(k.deliveriesPerMinute(sid))
      .exec()) as [[null, number], [null, string | null], [null, (string | null)[]], [null, Record<string, string>]];
    const headAt = head ? await this.redis.hget(k.event(sid, head), 'at') : null;
    const [headAttempts, lastDeliveredAt, lastError, delivered, failedAttempts, skipped, failingSince] = st;
    const perMinute = minuteSeries(ring, nowMs);
    return {
      backlog,
      oldestPendingAgeS: headAt ? Math.max(0, Math.round((nowMs - Number(headAt)) / 1000)) : null,
      headAttempts: Number(headAttempts ?? 0),
      lastDeliveredAt: iso(lastDeliveredAt),
      lastError: lastError ? lastError : null,
      delivered: Number(delivered ?? 0),
      failedAttempts: Number(failedAttempts ?? 0),
      skipped: Number(skipped ?? 0),
      failingSince: iso(failingSince),
      deliveredLastHour: perMinute.reduce((a, b) => a + b, 0),
      deliveriesPerMinute: perMinute,
    };
  }

  /** Ids of a school's pushed events accepted in [sinceMs, untilMs], oldest first, a page at a time. */
  async idsInRange(sid: number, sinceMs: number, untilMs: number, offset: number, count: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.schoolLog(sid), logScoreMin(sinceMs), logScoreMax(untilMs), 'LIMIT', offset, count);
  }

  /** Drops log entries older than the retention (their records expire by themselves). */
  async trimLogs(retentionS: number, nowMs = Date.now()): Promise<void> {
    const cutoff = logScoreMin(nowMs - retentionS * 1000);
    const sids = await this.redis.zrange(this.keys.schools, 0, -1);
    const pipeline = this.redis.pipeline().zremrangebyscore(this.keys.log, '-inf', `(${cutoff}`);
    for (const sid of sids) pipeline.zremrangebyscore(this.keys.schoolLog(Number(sid)), '-inf', `(${cutoff}`);
    await pipeline.exec();
  }
}

/** Reads the ring of per-minute counters into 60 values, oldest first. */
function minuteSeries(ring: Record<string, string>, nowMs: number): number[] {
  const minute = Math.floor(nowMs / 60_000);
  return Array.from({ length: 60 }, (_, i) => {
    const m = minute - 59 + i;
    const [at, count] = (ring[String(m % 60)] ?? '').split(':');
    return Number(at) === m ? Number(count) : 0;
  });
}

function matches(row: StoredEvent, filter: DeliveryFilter): boolean {
  if (filter.status && row.status !== filter.status) return false;
  if (filter.type && row.type !== filter.type) return false;
  return true;
}
