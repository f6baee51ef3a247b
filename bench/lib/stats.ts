/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` decimals (for the report; the measurements keep full precision). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** events ÷ seconds between two epoch-ms instants. */
export function ratePerS(count: number, fromMs: number, toMs: number): number {
  return toMs > fromMs ? count / ((toMs - fromMs) / 1000) : NaN;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The median of every numeric field over the runs (the mean of two), nested objects included (fields named in
 * `summed` are added up instead); other fields come from the first run.
 */
export function combine<T extends object>(runs: T[], summed: readonly string[] = []): T {
  const out: Record<string, unknown> = { ...runs[0] };
  for (const [key, first] of Object.entries(runs[0]!)) {
    const values = runs.map((r) => (r as Record<string, unknown>)[key]);
    if (typeof first === 'number') {
      const nums = values as number[];
      out[key] = summed.includes(key) ? nums.reduce((a, b) => a + b, 0) : median(nums);
    } else if (isPlainObject(first) && values.every(isPlainObject)) {
      out[key] = combine(values as Record<string, unknown>[], summed);
    }
  }
  return out as T;
}
