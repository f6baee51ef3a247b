import type { Metrics } from '../lib/metrics.js';
import type { MonitoringReads } from '../store/monitoring-reads.js';

/**
 * Refreshes the per-school gauges at scrape time: backlog and head age for the `topN` schools with
 * the largest backlog (bounded label cardinality) plus sid="total", and the count by status.
 */
export function schoolGaugeCollector(reads: MonitoringReads, metrics: Metrics, topN = 20): () => Promise<void> {
  return async () => {
    const rows = await reads.schoolBacklogs();
    const byStatus = new Map<string, number>();
    for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    metrics.schools.reset();
    for (const [status, n] of byStatus) metrics.schools.set({ status }, n);
    const top = rows.filter((r) => r.backlog > 0).sort((a, b) => b.backlog - a.backlog).slice(0, topN);
    const acceptedAt = await reads.headAcceptedAtMs(top.map((r) => r.sid));
    metrics.backlog.reset();
    metrics.oldestPendingAge.reset();
    metrics.backlog.set({ sid: 'total' }, rows.reduce((n, r) => n + r.backlog, 0));
    const now = Date.now();
    top.forEach((r, i) => {
      metrics.backlog.set({ sid: String(r.sid) }, r.backlog);
      if (acceptedAt[i]) metrics.oldestPendingAge.set({ sid: String(r.sid) }, Math.max(0, (now - acceptedAt[i]!) / 1000));
    });
  };
}

/** Rooms with someone online and the users online, from the heartbeat set ("<roomId>/<userId>"). */
export function roomGaugeCollector(reads: MonitoringReads, metrics: Metrics): () => Promise<void> {
  return async () => {
    const members = await reads.roomUsersOnline();
    metrics.roomUsers.set(members.length);
    metrics.activeRooms.set(new Set(members.map((m) => m.slice(0, m.lastIndexOf('/')))).size);
  };
}
