/**
 * Command-line parsing on top of node:util `parseArgs`: every mistake becomes a
 * {@link UsageError} (exit code 2) naming the command, so its help can be pointed to.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

/** `--help`/`-h`, accepted by every command. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** `--name <value>` options, one per name: `{sid: {type: 'string'}, …}`. */
export function stringOptions<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

/** Parses `argv` strictly (unknown options are errors) for `command`. */
export function parseCommand<const T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    // strict (the default): unknown options and stray values are errors.
    return parseArgs<T>(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
}

/** The value of a required option, or a usage error naming it. */
export function required(value: string | undefined, name: string, command: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`, command);
  return value;
}

/** A school id: a positive integer. */
export function parseSid(text: string, command: string): number {
  const sid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(sid) || sid <= 0) throw new UsageError(`--sid must be a positive integer, got "${text}"`, command);
  return sid;
}

/** A positive integer option (`--lines`, `--interval-ms`, …) with its default. */
export function parsePositiveInt(text: string | undefined, name: string, fallback: number, command: string): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${text}"`, command);
  return n;
}

const AGO = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time as ISO 8601: accepts ISO (with or without an offset; without
 * one it is read as UTC), unix seconds (or ms when ≥ 1e11, like the API), or a
 * duration ago (`90m`, `2h`, `1d`).
 */
export function parseTime(text: string, name: string, command: string, nowMs = Date.now()): string {
  const trimmed = text.trim();
  let ms: number;
  const ago = AGO.exec(trimmed);
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    ms = n < 1e11 ? n * 1000 : n;
  } else if (ago) {
    ms = nowMs - Number(ago[1]) * (UNIT_MS[ago[2] as string] ?? 0);
  } else {
    const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(trimmed);
    ms = /^\d{4}-\d\d-\d\d/.test(trimmed) ? Date.parse(hasZone || trimmed.length === 10 ? trimmed : `${trimmed}Z`) : NaN;
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`--${name} must be an ISO time, unix seconds or a duration ago (2h), got "${text}"`, command);
  }
  return new Date(ms).toISOString();
}

/** A comma-separated list, blanks dropped: `a, b,,c` → `[a, b, c]`. */
export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
