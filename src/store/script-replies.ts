import type { ScriptName } from './scripts.js';

/**
 * A script answered something its typed call does not know (a changed script, a wrong script
 * loaded, a reply mangled on the way). Never an expected outcome: those are the named kinds of
 * each call's result.
 */
export class ScriptReplyError extends Error {
  readonly code = 'unexpected_script_reply';

  constructor(
    readonly script: ScriptName,
    readonly reply: unknown,
  ) {
    super(`script ${script} answered an unexpected reply: ${shortJson(reply)}`);
    this.name = 'ScriptReplyError';
  }
}

function shortJson(reply: unknown): string {
  const json = JSON.stringify(reply) ?? String(reply);
  return json.length > 200 ? `${json.slice(0, 200)}…` : json;
}

/** Throws the ScriptReplyError of `script` for `reply`. */
export function unexpected(script: ScriptName, reply: unknown): never {
  throw new ScriptReplyError(script, reply);
}

/** The reply as an array (a Lua table), or a ScriptReplyError. */
export function arrayReply(script: ScriptName, reply: unknown): unknown[] {
  return Array.isArray(reply) ? reply : unexpected(script, reply);
}

/** A Lua integer (Redis integer reply). */
export const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** A Lua integer or a number Lua sent as a string (string.format, a field read back): its value, or undefined. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** One of `codes` (the reply's named outcome), or undefined. */
export function codeOf<T extends string>(value: unknown, codes: readonly T[]): T | undefined {
  return typeof value === 'string' && (codes as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** An integer 0/1 reply as a boolean. */
export function flagReply(script: ScriptName, reply: unknown): boolean {
  if (reply === 1) return true;
  if (reply === 0) return false;
  return unexpected(script, reply);
}

/** An integer reply that names one of `codes` by its index (0, 1, 2, …). */
export function indexedCode<T extends string>(script: ScriptName, reply: unknown, codes: readonly T[]): T {
  const code = isInteger(reply) ? codes[reply] : undefined;
  return code ?? unexpected(script, reply);
}

/** An epoch, or Lua's false (null): "no job to add". */
export function epochOrNull(script: ScriptName, reply: unknown, value: unknown): number | null {
  if (value === null) return null;
  return isInteger(value) ? value : unexpected(script, reply);
}

/** A flat {a1, b1, a2, b2, …} list of numbers (or numeric strings) as pairs. */
export function numberPairs<T>(script: ScriptName, reply: unknown, value: unknown, pair: (a: number, b: number) => T): T[] {
  const flat = arrayReply(script, value);
  if (flat.length % 2 !== 0) unexpected(script, reply);
  const out: T[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const a = numeric(flat[i]);
    const b = numeric(flat[i + 1]);
    if (a === undefined || b === undefined) unexpected(script, reply);
    out.push(pair(a, b));
  }
  return out;
}

/** A list of strings. */
export function stringList(script: ScriptName, reply: unknown, value: unknown): string[] {
  const list = arrayReply(script, value);
  for (const item of list) if (typeof item !== 'string') unexpected(script, reply);
  return list as string[];
}
