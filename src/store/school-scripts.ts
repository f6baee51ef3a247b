import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { packScriptInput } from './script-args.js';
import { arrayReply, codeOf, epochOrNull, flagReply, unexpected } from './script-replies.js';
import { runScript } from './scripts.js';

/**
 * The typed calls of a school's scripts: create-school, set-school-status and the two steps of a
 * delete (mark-school-deleting, finish-school-delete). Each works on the school hash and its drain
 * state (one slot); the global indexes are the caller's single-key commands around them.
 */

export const SCHOOL_STATUSES = ['pending', 'active', 'verification_failed', 'paused'] as const;
export type SchoolStatus = (typeof SCHOOL_STATUSES)[number];

export type StatusAction = 'pause' | 'resume' | 'verifying' | 'verified' | 'unverified';

/** Result of a status change; `wakeEpoch` asks the caller to add drain job d-<sid>-<epoch>. */
export type StatusChange =
  | { kind: 'ok'; status: SchoolStatus; wakeEpoch: number | null }
  | { kind: 'missing' | 'stale' | 'not_paused' | 'verify' };

const STATUS_REFUSALS = ['missing', 'stale', 'not_paused', 'verify'] as const;

/** The school hash's fields as create-school writes them; `subs` is mirrored into the drain state. */
export type SchoolFields = { subs: string } & Readonly<Record<string, string | number>>;

export type MarkDeletingReply = { kind: 'marked'; apiKeyHash: string } | { kind: 'missing' };

function decodeStatusChange(reply: unknown): StatusChange {
  const [kind, status, epoch] = arrayReply('setSchoolStatus', reply);
  const refusal = codeOf(kind, STATUS_REFUSALS);
  if (refusal) return { kind: refusal };
  const changed = kind === 'ok' ? codeOf(status, SCHOOL_STATUSES) : undefined;
  if (!changed) return unexpected('setSchoolStatus', reply);
  return { kind: 'ok', status: changed, wakeEpoch: epochOrNull('setSchoolStatus', reply, epoch) };
}

/** The school scripts over one key prefix. */
export class SchoolScripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  private schoolKeys(sid: number): string[] {
    return [this.keys.school(sid), this.keys.state(sid)];
  }

  /** create-school: writes the school unless its sid is taken; false when taken. */
  async createSchool(a: { sid: number; fields: SchoolFields }): Promise<boolean> {
    // Values as strings, as Redis stores them (a number packed as such would reach Lua as a float).
    const fields = Object.fromEntries(Object.entries(a.fields).map(([name, value]) => [name, String(value)]));
    const reply = await runScript(this.redis, 'createSchool', this.schoolKeys(a.sid), [packScriptInput(fields)]);
    return flagReply('createSchool', reply);
  }

  /** mark-school-deleting: the school is gone for everyone from here on; its API key hash, or missing. */
  async markSchoolDeleting(a: { sid: number; nowMs: number }): Promise<MarkDeletingReply> {
    const reply = await runScript(this.redis, 'markSchoolDeleting', this.schoolKeys(a.sid), [a.nowMs]);
    if (reply === null) return { kind: 'missing' };
    return typeof reply === 'string' ? { kind: 'marked', apiKeyHash: reply } : unexpected('markSchoolDeleting', reply);
  }

  /** finish-school-delete: drops the school hash and all of its drain state but the epoch. */
  async finishSchoolDelete(a: { sid: number }): Promise<void> {
    const reply = await runScript(this.redis, 'finishSchoolDelete', this.schoolKeys(a.sid), []);
    if (reply !== 1) unexpected('finishSchoolDelete', reply);
  }

  /** set-school-status: pause | resume | verifying | verified | unverified (see set-school-status-3.lua). */
  async setSchoolStatus(a: { sid: number; action: StatusAction; nowMs: number; verifyId: string; errorText: string }): Promise<StatusChange> {
    const k = this.keys;
    const reply = await runScript(this.redis, 'setSchoolStatus', [k.school(a.sid), k.state(a.sid), k.outbox(a.sid)], [a.action, a.nowMs, a.verifyId, a.errorText]);
    return decodeStatusChange(reply);
  }
}
