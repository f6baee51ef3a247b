/**
 * The names of a school's keys, in one place for TypeScript (Keys) and Lua (the `key-schema`
 * include, generated from this table, so a script never spells a key by hand). Every key of a
 * school is `<prefix>:{s<sid>}` (its tag: one Redis Cluster slot) followed by one of these.
 */
export const SCHOOL_KEY_SUFFIXES = {
  /** The school: endpoint, secret, status, subscriptions. */
  school: ':school',
  /** The ordered outbox: event ids waiting to be pushed, head first. */
  outbox: ':q',
  /** The drain state and delivery counters (drain-state.ts). */
  state: ':st',
  /** Event records: `<tag>:e:<event id>`. */
  eventPrefix: ':e:',
  /** The delivery log stream. */
  log: ':log',
  /** Deliveries per minute over the last hour. */
  perMinute: ':dpm',
  /** Network sample lists waiting for their Net report. */
  netDue: ':net-due',
  /** End times of the pushes of the last second (maxPushesPerS). */
  pushWindow: ':pw',
} as const;

/** `<prefix>:{s<sid>}`: the common head of a school's keys. */
export const schoolTag = (prefix: string, sid: number | string): string => `${prefix}:{s${sid}}`;

/**
 * The Lua side of the same schema: `KEY.<name>` suffixes and `schoolTag(prefix, sid)`, spliced into
 * a script by `--- @include "key-schema"`.
 */
export function luaKeySchema(): string {
  const entries = Object.entries(SCHOOL_KEY_SUFFIXES).map(([name, suffix]) => `${name} = ${JSON.stringify(suffix)}`);
  return [
    '-- Generated from src/store/key-schema.ts: the suffixes of a school\'s keys after its tag.',
    `local KEY = { ${entries.join(', ')} }`,
    "local function schoolTag(prefix, sid) return prefix .. ':{s' .. sid .. '}' end",
  ].join('\n');
}
