import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { arrayReply, indexedCode, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/** The typed calls of the class (lesson schedule) scripts: close-class, settle-summary, hmget-many. */

/** close-class's outcomes, by the integer it answers. */
const CLOSE_CODES = ['missing', 'closed', 'already_closed'] as const;
export type CloseClassReply = (typeof CLOSE_CODES)[number];

/** settle-summary's outcomes, by the integer it answers. */
const SETTLE_SUMMARY_CODES = ['stale', 'settled', 'already_settled'] as const;
export type SettleSummaryReply = (typeof SETTLE_SUMMARY_CODES)[number];

/** hmget-many's reply: one row of field values (null where absent) per hash, in order. */
function decodeRows(reply: unknown, hashes: number, fields: number): (string | null)[][] {
  const rows = arrayReply('hmgetMany', reply);
  if (rows.length !== hashes) unexpected('hmgetMany', reply);
  return rows.map((row) => {
    const values = arrayReply('hmgetMany', row);
    if (values.length !== fields || values.some((v) => v !== null && typeof v !== 'string')) unexpected('hmgetMany', reply);
    return values as (string | null)[];
  });
}

/** The class scripts over one key prefix. */
export class ClassScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** close-class: closes the class early unless it does not exist or is closed already. */
  async closeClass(a: { sid: number; classId: number; realCloseTime: number }): Promise<CloseClassReply> {
    const reply = await runScript(this.redis, 'closeClass', [this.keys.classRecord(a.sid, a.classId)], [a.realCloseTime]);
    return indexedCode('closeClass', reply, CLOSE_CODES);
  }

  /** settle-summary: marks the summary of schedule `version` as settled, once. */
  async settleSummary(a: { sid: number; classId: number; version: number; state: 'pushed' | 'none'; retentionS: number }): Promise<SettleSummaryReply> {
    const k = this.keys;
    const reply = await runScript(this.redis, 'settleSummary', [k.classRecord(a.sid, a.classId), k.classEvents(a.sid, a.classId)], [a.version, a.state, a.retentionS]);
    return indexedCode('settleSummary', reply, SETTLE_SUMMARY_CODES);
  }

  /** hmget-many: the same fields of many classes in one call (a single Redis only: keys in every slot). */
  async hmgetMany(a: { classes: readonly { sid: number; classId: number }[]; fields: readonly string[] }): Promise<(string | null)[][]> {
    const hashes = a.classes.map((c) => this.keys.classRecord(c.sid, c.classId));
    return decodeRows(await runScript(this.redis, 'hmgetMany', hashes, a.fields), hashes.length, a.fields.length);
  }
}
