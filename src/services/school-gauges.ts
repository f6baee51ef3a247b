import type { Metrics } from '../lib/metrics.js';
import { readEach, type RedisClient } from '../lib/redis.js';
import type { Keys } from '../store/keys.js';

/**
 * Refreshes the per-school gauges at scrape time: backlog and head age for the `topN` schools with
 * the largest backlog (bounded label cardinality) plus sid="total", and the count by status.
 */
export function schoolGaugeCollector(redis: RedisClient, keys: Keys, metrics: Metrics, topN = 20): () => Promise<void> {
  return async () => {
    const sids = await redis.zrange(keys.schools, 0, -1);
    const [backlogs, statuses] = await Promise.all([
      readEach<string, number>(redis, sids, (pipeline, sid) => pipeline.llen(keys.outbox(Number(sid)))),
      readEach<string, string | null>(redis, sids, (pipeline, sid) => pipeline.hget(keys.school(Number(sid)), 'status')),
    ]);
    const rows = sids.map((sid, i) => ({ sid, backlog: backlogs[i] ?? 0, status: statuses[i] ?? 'unknown' }));
    const byStatus = new Map<string, number>();
    for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    metrics.schools.reset();
    for (const [status, n] of byStatus) metrics.schools.set({ status }, n);
    const top = rows.filter((r) => r.backlog > 0).sort((a, b) => b.backlog - a.backlog).slice(0, topN);
    const headIds = await Promise.all(top.map((r) => redis.lindex(keys.outbox(Number(r.sid)), 0)));
    const acceptedAt = (await Promise.all(top.map((r, i) => redis.hget(keys.event(Number(r.sid), headIds[i] ?? ''), 'at')))).map((at) => Number(at ?? 0));
    metrics.backlog.reset();
    metrics.oldestPendingAge.reset();
    metrics.backlog.set({ sid: 'total' }, rows.reduce((n, r) => n + r.backlog, 0));
    const now = Date.now();
    top.forEach((r, i) => {
      metrics.backlog.set({ sid: r.sid }, r.backlog);
      if (acceptedAt[i]) metrics.oldestPendingAge.set({ sid: r.sid }, Math.max(0, (now - acceptedAt[i]!) / 1000));
    });
  };
}

/** Rooms with someone online and the users online, from the heartbeat set ("<roomId>/<userId>"). */
export function roomGaugeCollector(redis: RedisClient, keys: Keys, metrics: Metrics): () => Promise<void> {
  return async () => {
    const members = await redis.zrange(keys.roomHeartbeats, 0, -1);
    metrics.roomUsers.set(members.length);
    metrics.activeRooms.set(new Set(members.map((m) => m.slice(0, m.lastIndexOf('/')))).size);
  };
}
