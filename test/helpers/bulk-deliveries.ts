/**
 * Fills a school's delivery log fast, for export tests and the export memory bench: the events go
 * through the store's own ingest script in large batches (no HTTP, no workers, nothing is pushed),
 * then each record gets delivered attempts written straight into its hash (the settle path would
 * need a receiver and take minutes for a million events).
 */
import type { RedisClient } from '../../src/lib/redis.js';
import type { Keys } from '../../src/store/keys.js';
import type { Attempt, OutboxStore } from '../../src/store/outbox.js';
import type { SchoolStore } from '../../src/store/schools.js';

export interface BulkStores {
  redis: RedisClient;
  keys: Keys;
  schools: SchoolStore;
  outbox: OutboxStore;
}

export interface BulkOptions {
  /** Events per ingest script call (default 2000). */
  batch?: number;
  /** Attempts written into every record (default 2: a rejected one, then the delivery). */
  attempts?: number;
  /** Acceptance time of the first batch; each batch is 1 ms later (default: now − 1 h). */
  startMs?: number;
  /** Called after each batch with the events written so far. */
  onProgress?: (written: number) => void;
}

/** The id of the `i`-th bulk event (zero-padded: ids sort like their numbers). */
export const bulkId = (sid: number, i: number) => `bulk-${sid}-${String(i).padStart(8, '0')}`;

/**
 * A reply with a comma, a quote and a line break, so CSV quoting is exercised by every row.
 */
const REJECTED_REPLY = '{"error_info":{"errno":0,"error":"busy, \\"retry\\"\nlater"}}';

function attemptsOf(count: number, atMs: number): Attempt[] {
  return Array.from({ length: count }, (_, n) => {
    const last = n === count - 1;
    return {
      n: n + 1, at: new Date(atMs + n * 1000).toISOString(), durationMs: 12 + n,
      httpStatus: last ? 200 : 503, errno: last ? 1 : 0, outcome: last ? 'delivered' : 'rejected',
      response: last ? '{"error_info":{"errno":1,"error":"ok"}}' : REJECTED_REPLY,
    };
  });
}

/** Registers `sid` (if new) and logs `count` hands_up events with delivered attempts, oldest first. */
export async function fillDeliveryLog(stores: BulkStores, sid: number, count: number, options: BulkOptions = {}): Promise<void> {
  const batch = options.batch ?? 2000;
  const attempts = options.attempts ?? 2;
  const startMs = options.startMs ?? Date.now() - 3_600_000;
  if (!(await stores.schools.get(sid))) {
    await stores.schools.create({ sid, name: `bulk ${sid}`, endpointUrl: 'http://127.0.0.1:9/classin', subscriptions: '*' });
  }
  for (let first = 0; first < count; first += batch) {
    const nowMs = startMs + first / batch;
    const entries = [];
    for (let i = first; i < Math.min(count, first + batch); i++) {
      const json = JSON.stringify({ type: 'hands_up', sid, classId: 51345, courseId: 18041431, actionTime: 1562838399, uid: 1000 + (i % 50), up: true });
      entries.push({ id: bulkId(sid, i), sid, indexed: true, type: 'hands_up', json });
    }
    const result = await stores.outbox.ingest('bulk-app', entries, nowMs);
    if (result.kind !== 'ok') throw new Error(`bulk ingest refused: ${JSON.stringify(result)}`);
    if (attempts > 0) await settleAll(stores, sid, entries.map((e) => e.id), attempts, nowMs);
    options.onProgress?.(first + entries.length);
  }
}

async function settleAll(stores: BulkStores, sid: number, ids: string[], attempts: number, atMs: number): Promise<void> {
  const att = JSON.stringify(attemptsOf(attempts, atMs));
  const pipeline = stores.redis.pipeline();
  for (const id of ids) pipeline.hset(stores.keys.event(sid, id), 'st', 'delivered', 'att', att, 'n', attempts, 'dAt', atMs + attempts * 1000);
  await pipeline.exec();
}
