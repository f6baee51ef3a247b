/** Plain-text rendering for the terminal: aligned tables and one-line summaries. */

/** Aligns rows under a header; the last column is never padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `"*"` or the list, comma-separated. */
export function formatSubscriptions(subscriptions: '*' | readonly string[]): string {
  return subscriptions === '*' ? '*' : subscriptions.join(',') || '(none)';
}

/** An attempt as `delivered HTTP 200 errno 1 12ms`, or `timeout 10000ms`. */
export function formatAttempt(attempt: {
  outcome: string;
  httpStatus: number | null;
  errno: number | null;
  durationMs: number;
} | null): string {
  if (!attempt) return '-';
  const parts = [attempt.outcome];
  if (attempt.httpStatus !== null) parts.push(`HTTP ${attempt.httpStatus}`);
  if (attempt.errno !== null) parts.push(`errno ${attempt.errno}`);
  parts.push(`${Math.round(attempt.durationMs)}ms`);
  return parts.join(' ');
}
