/**
 * How a delivery-log row leaves the API: the fields of `GET /v1/deliveries` items, and the export's
 * line formats (NDJSON, CSV per RFC 4180) of the same rows with their attempts.
 */
import { CATALOGUE, isEventType } from '../domain/catalogue.js';
import type { StoredEvent } from '../store/deliveries.js';

/** The fields every delivery-log view shares (the list adds `attempts` as a count and `lastAttempt`). */
function commonFields(e: StoredEvent) {
  return {
    eventId: e.id,
    sid: e.sid,
    type: e.type,
    cmd: isEventType(e.type) ? CATALOGUE[e.type].cmd : null,
    status: e.status,
  };
}

/** One item of `GET /v1/deliveries`. */
export function listItem(e: StoredEvent) {
  return { ...commonFields(e), attempts: e.attemptCount, createdAt: e.createdAt, deliveredAt: e.deliveredAt, lastAttempt: e.attempts.at(-1) ?? null };
}

/**
 * One exported delivery: `attemptCount` is every attempt made, `attempts` the ones kept (the
 * latest 50, as `GET /v1/events/:id` shows them).
 */
export function exportRow(e: StoredEvent) {
  return { ...commonFields(e), attemptCount: e.attemptCount, createdAt: e.createdAt, deliveredAt: e.deliveredAt, attempts: e.attempts };
}

export type ExportFormat = 'ndjson' | 'csv';

export const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

/** CSV columns, in order; `attempts` is the JSON array of the NDJSON line. */
export const CSV_COLUMNS = ['eventId', 'sid', 'type', 'cmd', 'status', 'attemptCount', 'createdAt', 'deliveredAt', 'attempts'] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The text before the first row: the CSV header line (CRLF, as RFC 4180 has it), nothing for NDJSON. */
export function exportPreamble(format: ExportFormat): string {
  return format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '';
}

/** One delivery as one line of the format, line end included. */
export function exportLine(format: ExportFormat, e: StoredEvent): string {
  const row = exportRow(e);
  if (format === 'ndjson') return `${JSON.stringify(row)}\n`;
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
}

/** `20251122T080000Z`: an ISO time fit for a file name. */
const compact = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');

/** `classbell-deliveries-<sid|all>-<since|start>-<until|now>.<format>` */
export function exportFileName(format: ExportFormat, range: { sid?: number; sinceMs?: number; untilMs?: number }): string {
  const since = range.sinceMs !== undefined ? compact(range.sinceMs) : 'start';
  const until = range.untilMs !== undefined ? compact(range.untilMs) : 'now';
  return `classbell-deliveries-${range.sid ?? 'all'}-${since}-${until}.${format}`;
}
