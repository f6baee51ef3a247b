import { randomBytes } from 'node:crypto';
import { nodeOfKey, type RedisClient } from '../lib/redis.js';
import { readDrainState, readDrainStates, type DrainState } from './drain-state.js';
import type { Keys } from './keys.js';
import { ReplicaWait, type WriteMark } from './replica-wait.js';
import { DrainScripts, type FetchReply, type RequeueReply, type SkipReply } from './drain-scripts.js';
import { OutboxScripts, type IngestEventInput } from './outbox-scripts.js';
import { SettleBatch, type SettleResult } from './settle-batch.js';

export type { HeadEvent } from './drain-scripts.js';

export type { SettleResult } from './settle-batch.js';

/** One event as the ingest script takes it. */
export interface OutboxEntry {
  id: string;
  sid: number;
  /** The id was chosen by the client (idempotency key); assigned ids encode their school. */
  indexed: boolean;
  type: string;
  /** The normalized event, serialized once at ingest. */
  json: string;
  /** The class's in-class event list to append the id to (lesson summary), if any. */
  classListKey?: string;
  /** Append the raw event here instead of storing and pushing it (network samples). */
  sampleKey?: string;
  /** The W3C traceparent its spans descend from (tracing on only: docs/tracing.md). */
  traceParent?: string;
}

/** A batch that spans Redis Cluster nodes, kept until every node has applied its part. */
interface JournalRecord {
  appId: string;
  nowMs: number;
  entries: OutboxEntry[];
}

export type IngestResult =
  | { kind: 'ok'; accepted: string[]; duplicates: string[]; wakes: { sid: number; epoch: number }[]; samplesStarted: string[] }
  | { kind: 'no_school'; sid: number }
  | { kind: 'id_taken'; id: string };




export interface Attempt {
  n: number;
  at: string;
  durationMs: number;
  httpStatus: number | null;
  errno: number | null;
  outcome: 'delivered' | 'rejected' | 'bad_response' | 'timeout' | 'network_error';
  response: string | null;
}

/** Attempts kept per event; a head that fails for days keeps only its latest ones. */
const ATTEMPTS_KEPT = 50;

/** The per-school ordered outbox: ingest, drain (fetch → settle → yield) and operator actions. */
export class OutboxStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly retentionS: number,
    /** Which Redis node holds a school ("" on a single Redis); tests split batches with it. */
    private readonly nodeOfSchool: (sid: number) => string = (sid) => nodeOfKey(redis, keys.school(sid)),
    /** Replicas that must hold ingests, claims and settles (REDIS_MIN_REPLICAS_ACK); none by default. */
    private readonly replicas = new ReplicaWait(redis, 0, 0),
    /** Read each head's stored trace context too (a tracing worker: docs/tracing.md). */
    private readonly readTraces = false,
    /**
     * The ingest hands up to this many new events of a school straight to its drainer waiting on
     * the empty outbox (DRAIN_BATCH; 0: the drainer is only woken and fetches them). Never with
     * REDIS_MIN_REPLICAS_ACK: an event is pushed only once its replicas hold it.
     */
    private readonly handoffMax = 0,
  ) {
    this.settles = new SettleBatch(redis, keys, retentionS, ATTEMPTS_KEPT, nodeOfSchool, replicas);
    this.batchScripts = new OutboxScripts(redis, keys);
    this.drainScripts = new DrainScripts(redis, keys);
  }

  private readonly settles: SettleBatch;
  private readonly batchScripts: OutboxScripts;
  private readonly drainScripts: DrainScripts;

  /**
   * Stores a batch: all events or none. On a single Redis (or when every school of the batch lives
   * on one cluster node) that is one script. A batch spanning cluster nodes is checked on every
   * node, written to a journal (the commit point), applied node by node, and the journal dropped;
   * a crash after the commit point is finished by `applyJournal` from the maintenance worker.
   */
  async ingest(appId: string, entries: OutboxEntry[], nowMs = Date.now()): Promise<IngestResult> {
    const groups = this.groupByNode(entries);
    if (groups.length === 1) return this.ingestGroup(appId, groups[0]!, nowMs, 'strict');
    for (const reply of await Promise.all(groups.map((g) => this.ingestGroup(appId, g, nowMs, 'check')))) {
      if (reply.kind !== 'ok') return reply;
    }
    const batchId = `${nowMs}-${randomBytes(6).toString('hex')}`;
    const record: JournalRecord = { appId, nowMs, entries };
    await this.redis.multi().hset(this.keys.ingestJournal, batchId, JSON.stringify(record)).zadd(this.keys.ingestJournalIndex, nowMs, batchId).exec();
    const result = await this.applyJournaled(record);
    await this.redis.multi().hdel(this.keys.ingestJournal, batchId).zrem(this.keys.ingestJournalIndex, batchId).exec();
    return result;
  }

  /** Marks the writes that follow (an ingest), for `replicated`. */
  markWrite(): WriteMark {
    return this.replicas.mark();
  }

  /**
   * Resolves once the replicas hold an ingest's events (REDIS_MIN_REPLICAS_ACK), including its
   * duplicates, whose first write may have come from a request that got a 503 and never reached
   * the replicas: a small write after them puts them under this connection's WAIT (replication is
   * one ordered stream). Rejects with ReplicaWaitError past REDIS_WAIT_TIMEOUT_MS.
   */
  async replicated(result: IngestResult, mark: WriteMark): Promise<void> {
    if (!this.replicas.enabled || result.kind !== 'ok') return;
    // Not awaited on its own: sent before the WAIT on the same connection, it is covered by it.
    const bump = result.duplicates.length > 0 ? this.redis.set(this.keys.replicaMark, String(Date.now())) : undefined;
    await Promise.all([bump, this.replicas.confirm(mark)]);
  }

  /**
   * Finishes journaled batches older than `olderThanMs` (their API process died mid-way): applies
   * what is missing (events already written count as duplicates) and drops the journal entry.
   */
  async applyJournal(olderThanMs: number, limit = 100): Promise<IngestResult[]> {
    const ids = await this.redis.zrangebyscore(this.keys.ingestJournalIndex, '-inf', olderThanMs, 'LIMIT', 0, limit);
    const results: IngestResult[] = [];
    for (const batchId of ids) {
      const json = await this.redis.hget(this.keys.ingestJournal, batchId);
      if (json) results.push(await this.applyJournaled(JSON.parse(json) as JournalRecord));
      await this.redis.multi().hdel(this.keys.ingestJournal, batchId).zrem(this.keys.ingestJournalIndex, batchId).exec();
    }
    return results;
  }

  private async applyJournaled(record: JournalRecord): Promise<IngestResult> {
    const replies = await Promise.all(this.groupByNode(record.entries).map((g) => this.ingestGroup(record.appId, g, record.nowMs, 'apply')));
    const merged: IngestResult = { kind: 'ok', accepted: [], duplicates: [], wakes: [], samplesStarted: [] };
    for (const reply of replies) {
      if (reply.kind !== 'ok') continue; // apply mode skips instead of refusing
      merged.accepted.push(...reply.accepted);
      merged.duplicates.push(...reply.duplicates);
      merged.wakes.push(...reply.wakes);
      merged.samplesStarted.push(...reply.samplesStarted);
    }
    // The answer lists ids in the order they were posted, as the single-node path does.
    const order = new Map(record.entries.map((e, i) => [e.id, i]));
    const byOrder = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
    merged.accepted.sort(byOrder);
    merged.duplicates.sort(byOrder);
    return merged;
  }

  /** Splits a batch by the Redis node that serves each school (one group on a single Redis). */
  private groupByNode(entries: OutboxEntry[]): OutboxEntry[][] {
    const groups = new Map<string, OutboxEntry[]>();
    for (const e of entries) {
      const node = this.nodeOfSchool(e.sid);
      let group = groups.get(node);
      if (!group) groups.set(node, (group = []));
      group.push(e);
    }
    return [...groups.values()];
  }

  private async ingestGroup(appId: string, entries: OutboxEntry[], nowMs: number, mode: 'strict' | 'check' | 'apply'): Promise<IngestResult> {
    const reply = await this.batchScripts.ingestEvents({
      nowMs, appId, retentionS: this.retentionS, mode, handoff: this.replicas.enabled ? 0 : this.handoffMax,
      events: entries.map((e) => {
        const input: IngestEventInput = {
          id: e.id, sid: String(e.sid), indexed: e.indexed, type: e.type, json: e.json, classKey: e.classListKey ?? '', sampleKey: e.sampleKey ?? '',
        };
        if (e.traceParent !== undefined) input.tp = e.traceParent;
        return input;
      }),
    });
    if (reply.kind !== 'ok') return reply;
    if (mode === 'check') return { kind: 'ok', accepted: [], duplicates: [], wakes: [], samplesStarted: [] };
    if (reply.activity.length > 0) await this.noteActivity(reply.activity);
    return { kind: 'ok', accepted: reply.accepted, duplicates: reply.duplicates, wakes: reply.wakes, samplesStarted: reply.samplesStarted };
  }

  /** Updates the all-schools log hint (a separate key: it may live on another cluster node). */
  private async noteActivity(activity: { sid: number; ms: number }[]): Promise<void> {
    await this.redis.zadd(this.keys.logActivity, 'GT', ...activity.flatMap(({ sid, ms }) => [ms, String(sid)]));
  }

  /**
   * Claims the school for a drain job (mode claim: check = epoch) or continues (mode next: check =
   * token). With `wakeChannel` (mode next), an empty outbox answers `waiting`: the drainer keeps the
   * school, `token` is its owner token from then on, and a new event is published to that channel
   * (drain-wakes.ts).
   */
  async fetchHead(sid: number, mode: 'claim' | 'next', check: string, token: string, batch: number, wakeChannel?: string): Promise<FetchReply> {
    const mark = this.replicas.mark();
    const reply = await this.drainScripts.fetchHead({ sid, mode, check, token, batch, nowMs: Date.now(), withTrace: this.readTraces, wakeChannel });
    if (reply.kind !== 'ok') return reply;
    // A claim's write follows the last settle of the school, maybe another worker's whose WAIT
    // failed: confirmed, that settle is on the replicas before anything after it is pushed.
    if (mode === 'claim' && this.replicas.enabled) await this.replicas.confirm(mark);
    return reply;
  }

  /**
   * Records the head's attempt (or `gone`: a head whose record vanished is dropped). The settles
   * of one event-loop turn go to Redis together (SettleBatch). With `waitChannel`, a delivered head
   * that empties the outbox answers `waiting`: the drainer keeps the school, as fetch-head's next,
   * and `waitToken` is its owner token from then on.
   */
  settle(sid: number, token: string, eventId: string, attempt: Attempt | null, errorText = '', waitChannel?: string, waitToken?: string): Promise<SettleResult> {
    return this.settles.settle({ sid, token, eventId, attemptJson: attempt ? JSON.stringify(attempt) : '', outcome: attempt?.outcome ?? 'gone', errorText, waitChannel, waitToken });
  }

  /** The school's drain state (see drain-state.ts). */
  drainState(sid: number): Promise<DrainState> {
    return readDrainState(this.redis, this.keys, sid);
  }

  /** The drain states of many schools (one round trip on a single Redis). */
  drainStates(sids: readonly number[]): Promise<DrainState[]> {
    return readDrainStates(this.redis, this.keys, sids);
  }

  /** Ends a slice with work left; returns the epoch of the follow-up job, or null if ownership was lost. */
  async yieldDrain(sid: number, token: string): Promise<number | null> {
    return this.drainScripts.yieldDrain({ sid, token, nowMs: Date.now() });
  }

  /**
   * Gives the school a new drain job when the job of `epoch` is still its current one, queued or
   * draining, and its worker process died: the new epoch (add its job now), or null.
   */
  async takeOverDrain(sid: number, epoch: number): Promise<number | null> {
    return this.drainScripts.takeOverDrain({ sid, epoch, nowMs: Date.now() });
  }

  /** Skips the head (optionally only if it is `expectedId`). */
  async skipHead(sid: number, expectedId = ''): Promise<SkipReply> {
    return this.drainScripts.skipHead({ sid, nowMs: Date.now(), retentionS: this.retentionS, expectedId });
  }

  /** Appends settled events to the outbox again (redeliver, replay). */
  async requeue(sid: number, ids: string[]): Promise<RequeueReply> {
    return this.drainScripts.requeueEvents({ sid, nowMs: Date.now(), ids });
  }
}
