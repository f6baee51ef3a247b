import { ASSIGNED_ID_PREFIX } from '../domain/event-schemas/common.js';
import { readEach, type RedisClient } from '../lib/redis.js';
import type { Attempt } from './outbox.js';
import type { Keys } from './keys.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failing' | 'skipped';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failing', 'skipped'];

/** An event record as stored, with its delivery history. */
export interface StoredEvent {
  id: string;
  sid: number;
  /** The posting app, recorded for client-chosen ids only ('' for ids classbell assigned). */
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
  /** The school's push limit (null: unlimited) and its pushes that ended within the last second. */
  maxPushesPerS: number | null;
  pushesLastSecond: number | null;
}

const FIELDS = ['app', 'st', 'ev', 'att', 'n', 'at', 'dAt'] as const;
const iso = (ms: string | null | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);

function toStored(id: string, sid: number, v: (string | null)[]): StoredEvent | undefined {
  const [app, st, ev, att, n, at, dAt] = v;
  if (!ev) return undefined;
  const event = JSON.parse(ev) as Record<string, unknown>;
  // A fresh record keeps only what cannot be implied: no status is pending, no count is 0.
  return {
    id, sid, appId: app ?? '', type: String(event.type), status: (st ?? 'pending') as StoredEvent['status'],
    event,
    attempts: att ? (JSON.parse(att) as Attempt[]) : [],
    attemptCount: Number(n ?? 0),
    createdAt: iso(at) as string,
    deliveredAt: st === 'delivered' || st === 'skipped' ? iso(dAt) : null,
  };
}

/**
 * One delivery-log entry: `pos` is its stream entry id "<acceptance ms>-<seq>" in the school's log
 * stream, `member` the event id (one school) or "<sid>/<event id>" (all schools).
 */
interface LogEntry {
  pos: string;
  member: string;
}

/** The log-activity hint lags a school's newest entry by less than this (see the ingest script). */
const ACTIVITY_SLACK_MS = 1000;

/** Schools read at once when merging the all-schools log. */
const MERGE_CHUNK = 50;

type StreamReply = [string, string[]][];

function toEntries(reply: StreamReply, memberPrefix: string): LogEntry[] {
  return reply.map(([pos, fields]) => ({ pos, member: memberPrefix + (fields[1] ?? '') }));
}

/** Compares stream entry ids "<ms>-<seq>" (positive when a is newer). */
function comparePos(a: string, b: string): number {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  return Number(am) - Number(bm) || Number(as ?? 0) - Number(bs ?? 0);
}

/** Newest first, then member descending: one order over every school's log. */
function newestFirst(a: LogEntry, b: LogEntry): number {
  const d = comparePos(b.pos, a.pos);
  if (d !== 0) return d;
  return a.member < b.member ? 1 : a.member > b.member ? -1 : 0;
}

/** Cursor: the last (pos, member) returned, so paging is stable while new events arrive. */
const encodeCursor = (pos: string, member: string) => Buffer.from(`${pos}|${member}`).toString('base64url');
function decodeCursor(cursor: string): LogEntry | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar < 1 || !/^\d{1,15}-\d{1,20}$/.test(text.slice(0, bar))) return undefined;
  return { pos: text.slice(0, bar), member: text.slice(bar + 1) };
}

/** Read side of the delivery log: event look-up, filtered listing, per-school figures. */
export class DeliveryStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Assigns an id that encodes the sid (no index key needed). */
  static assignId(sid: number, nowMs = Date.now()): string {
    return `ev_${sid}_${nowMs.toString(36)}${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;
  }

  static isValidCursor(cursor: string): boolean {
    return decodeCursor(cursor) !== undefined;
  }

  /**
   * Finds an event by id. Assigned ids carry their school; a client-chosen id is looked up in the
   * school given, or else in every school (ids are unique per school, so the first match, lowest
   * sid first, is returned: pass `sid` to pick another).
   */
  async getEvent(id: string, sid?: number): Promise<StoredEvent | undefined> {
    const assigned = ASSIGNED_ID_PREFIX.exec(id);
    let candidates: number[];
    if (sid !== undefined) candidates = [sid];
    else if (assigned) candidates = [Number(assigned[1])];
    else {
      const sids = (await this.redis.zrange(this.keys.schools, 0, -1)).map(Number);
      const found = await readEach<number, number>(this.redis, sids, (pipeline, s) => pipeline.exists(this.keys.event(s, id)));
      candidates = sids.filter((_, i) => found[i] === 1);
    }
    for (const candidate of candidates) {
      const stored = toStored(id, candidate, await this.redis.hmget(this.keys.event(candidate, id), ...FIELDS));
      if (stored) return stored;
    }
    return undefined;
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
    const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    // Stream ranges: a bare "<ms>" is that millisecond's first entry as a start, its last as an end.
    let max = after ? after.pos : filter.untilMs !== undefined ? String(filter.untilMs) : '+';
    const min = filter.sinceMs !== undefined ? String(filter.sinceMs) : '-';
    const items: StoredEvent[] = [];
    let skipUntilPast = after;
    let budget = Math.max(200, filter.limit * 20);
    let last: LogEntry | undefined;
    while (items.length < filter.limit && budget > 0) {
      const chunk = Math.min(500, budget);
      const entries = filter.sid === undefined ? await this.allSchoolsPage(max, min, chunk) : await this.schoolPage(filter.sid, max, min, chunk);
      if (entries.length === 0) return { items, nextCursor: null };
      // The range includes `max` itself: drop what the previous page already had.
      const fresh = skipUntilPast ? entries.filter((e) => newestFirst(e, skipUntilPast!) > 0) : entries;
      const rows = await this.readRows(filter.sid, fresh.map((e) => e.member));
      for (let i = 0; i < fresh.length && items.length < filter.limit; i++) {
        last = fresh[i];
        const row = rows[i];
        if (row && matches(row, filter)) items.push(row);
      }
      budget -= entries.length;
      if (entries.length < chunk && items.length < filter.limit) return { items, nextCursor: null };
      const tail = last ?? entries[entries.length - 1]!;
      max = tail.pos;
      skipUntilPast = tail;
      last = tail;
    }
    return { items, nextCursor: last ? encodeCursor(last.pos, last.member) : null };
  }

  /**
   * The whole filtered log, newest first (the order of `list`), a page of at most `pageSize` rows
   * at a time. The store is read only as the caller pulls, so a consumer that waits (an export
   * whose client reads slowly) holds one page in memory, whatever the range.
   */
  async *pages(filter: Omit<DeliveryFilter, 'limit' | 'cursor'>, pageSize = 500): AsyncGenerator<StoredEvent[], void, undefined> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.list({ ...filter, limit: pageSize, ...(cursor !== undefined ? { cursor } : {}) });
      if (page.items.length > 0) yield page.items;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  /** One school's log entries in [min, max], newest first (members are event ids). */
  private async schoolPage(sid: number, max: string, min: string, count: number): Promise<LogEntry[]> {
    return toEntries((await this.redis.xrevrange(this.keys.schoolLog(sid), max, min, 'COUNT', count)) as StreamReply, '');
  }

  /**
   * The newest `count` entries in [min, max] over every school's log, merged (members are
   * "<sid>/<id>"). Schools are read in the order of their newest entry (the log-activity hint, in
   * ms; the ingest refreshes it once per second per school, so a school's entries are older than
   * its hint + 1 s), and reading stops once no remaining school can hold an entry newer than the
   * ones found.
   */
  private async allSchoolsPage(max: string, min: string, count: number): Promise<LogEntry[]> {
    const minMs = min === '-' ? '-inf' : String(Number(min.split('-')[0]) - ACTIVITY_SLACK_MS);
    const flat = await this.redis.zrevrangebyscore(this.keys.logActivity, '+inf', minMs, 'WITHSCORES');
    const active: { sid: string; ms: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) active.push({ sid: flat[i]!, ms: Number(flat[i + 1]) });
    const maxMs = max === '+' ? Infinity : Number(max.split('-')[0]);
    let best: LogEntry[] = [];
    for (let i = 0; i < active.length; i += MERGE_CHUNK) {
      const group = active.slice(i, i + MERGE_CHUNK);
      const boundMs = Math.min(group[0]!.ms + ACTIVITY_SLACK_MS, maxMs);
      if (best.length >= count && boundMs < Number(best[count - 1]!.pos.split('-')[0])) break;
      const pages = await readEach<{ sid: string }, StreamReply>(this.redis, group, (pipeline, school) => pipeline.xrevrange(this.keys.schoolLog(Number(school.sid)), max, min, 'COUNT', count + 1));
      pages.forEach((page, j) => best.push(...toEntries(page, `${group[j]!.sid}/`)));
      best.sort(newestFirst);
      best = best.slice(0, count);
    }
    return best;
  }

  private async readRows(sid: number | undefined, members: string[]): Promise<(StoredEvent | undefined)[]> {
    const refs = members.map((m) => {
      if (sid !== undefined) return { sid, id: m };
      const slash = m.indexOf('/');
      return { sid: Number(m.slice(0, slash)), id: m.slice(slash + 1) };
    });
    const replies = await readEach<{ sid: number; id: string }, (string | null)[]>(this.redis, refs, (pipeline, r) => pipeline.hmget(this.keys.event(r.sid, r.id), ...FIELDS));
    return refs.map((r, i) => toStored(r.id, r.sid, replies[i] ?? []));
  }

  async stats(sid: number, nowMs = Date.now()): Promise<SchoolStats> {
    const k = this.keys;
    const [[, backlog], [, head], [, st], [, ring], [, limit], [, lastSecond]] = (await this.redis
      .multi()
      .llen(k.outbox(sid))
      .lindex(k.outbox(sid), 0)
      .hmget(k.state(sid), 'headAttempts', 'lastDeliveredAt', 'lastError', 'delivered', 'failedAttempts', 'skipped', 'headFailingSince')
      .hgetall(k.deliveriesPerMinute(sid))
      .hget(k.school(sid), 'maxPps')
      .zcount(k.pushWindow(sid), nowMs - 1000, '+inf')
      .exec()) as [[null, number], [null, string | null], [null, (string | null)[]], [null, Record<string, string>], [null, string | null], [null, number]];
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
      maxPushesPerS: limit ? Number(limit) : null,
      pushesLastSecond: limit ? lastSecond : null,
    };
  }

  /**
   * Ids of a school's pushed events accepted in [sinceMs, untilMs], oldest first, `count` at a time:
   * pass the returned `next` to continue (null at the end).
   */
  async idsInRange(sid: number, sinceMs: number, untilMs: number, after: string | null, count: number): Promise<{ ids: string[]; next: string | null }> {
    const start = after === null ? String(sinceMs) : `(${after}`;
    const page = (await this.redis.xrange(this.keys.schoolLog(sid), start, String(untilMs), 'COUNT', count)) as StreamReply;
    return { ids: page.map(([, fields]) => fields[1] ?? ''), next: page.length === count ? page[page.length - 1]![0] : null };
  }

  /**
   * Drops log entries older than the retention (their records expire by themselves), and repairs
   * the log-activity hint of each school from its drain state (the hint is written after the
   * ingest script, so a crash in between could leave it behind).
   */
  async trimLogs(retentionS: number, nowMs = Date.now()): Promise<void> {
    const cutoffMs = nowMs - retentionS * 1000;
    const sids = (await this.redis.zrange(this.keys.schools, 0, -1)).map(Number);
    await readEach(this.redis, sids, (pipeline, sid) => pipeline.xtrim(this.keys.schoolLog(sid), 'MINID', '~', String(cutoffMs)));
    const newest = await readEach<number, string | null>(this.redis, sids, (pipeline, sid) => pipeline.hget(this.keys.state(sid), 'ls'));
    const active: string[] = [];
    newest.forEach((ms, i) => {
      if (ms) active.push(ms, String(sids[i]));
    });
    if (active.length > 0) await this.redis.zadd(this.keys.logActivity, 'GT', ...active);
    await this.redis.zremrangebyscore(this.keys.logActivity, '-inf', `(${cutoffMs}`);
  }
}

/** Reads the per-minute counters (field: minute number → count) into 60 values, oldest first. */
function minuteSeries(counts: Record<string, string>, nowMs: number): number[] {
  const minute = Math.floor(nowMs / 60_000);
  return Array.from({ length: 60 }, (_, i) => Number(counts[String(minute - 59 + i)] ?? 0));
}

function matches(row: StoredEvent, filter: DeliveryFilter): boolean {
  if (filter.status && row.status !== filter.status) return false;
  if (filter.type && row.type !== filter.type) return false;
  return true;
}
