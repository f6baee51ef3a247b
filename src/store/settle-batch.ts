import type { RedisClient } from '../lib/redis.js';
import { flushWrites } from '../lib/redis-coalesce.js';
import type { Keys } from './keys.js';
import type { ReplicaWait } from './replica-wait.js';
import { OutboxScripts, type SettleInput, type SettleItemInput, type SettleResult } from './outbox-scripts.js';

export type { SettleResult } from './outbox-scripts.js';

/** One school's head outcome, as the settle script takes it. */
export interface SettleItem {
  sid: number;
  token: string;
  eventId: string;
  /** The attempt as JSON ("" when the record is gone). */
  attemptJson: string;
  /** delivered | gone | the failure's outcome. */
  outcome: string;
  errorText: string;
  /** The drainer's wake channel: when this head empties the outbox, the drainer waits (`waiting`). */
  waitChannel?: string | undefined;
  /** With waitChannel: the drainer's token for that wait, the school's owner token once it waits. */
  waitToken?: string | undefined;
}

interface Pending {
  item: SettleItem;
  resolve(result: SettleResult): void;
  reject(error: unknown): void;
}

/**
 * A node's batch is sent as soon as it holds this many items, without waiting for the end of the
 * turn: in a long turn (a flood's), Redis then works on the first acknowledgements while this
 * process handles the rest, and those schools push their next event sooner.
 */
const EAGER_ITEMS = 16;

/**
 * Records head outcomes in batches: every settle asked for during one turn of the event loop
 * (the acknowledgements that arrived together) goes to Redis as one script call per node, sent
 * at the turn's end (setImmediate) or as soon as EAGER_ITEMS are waiting. Nothing waits for an
 * earlier call, so a settle is delayed by at most the rest of its turn; each school's own order
 * is untouched, because a drainer asks for its next settle only after this one's reply. One call
 * instead of one per acknowledgement saves the per-call cost on both sides (the client's
 * command, Redis's script set-up).
 */
export class SettleBatch {
  private pending = new Map<string, Pending[]>();
  private scheduled = false;
  private readonly scripts: OutboxScripts;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    private readonly retentionS: number,
    private readonly attemptsKept: number,
    private readonly nodeOfSchool: (sid: number) => string,
    /** With REDIS_MIN_REPLICAS_ACK, a batch resolves only once its replicas hold it (one WAIT). */
    private readonly replicas?: ReplicaWait,
  ) {
    this.scripts = new OutboxScripts(redis, keys);
  }

  settle(item: SettleItem): Promise<SettleResult> {
    return new Promise<SettleResult>((resolve, reject) => {
      const node = this.nodeOfSchool(item.sid);
      const group = this.pending.get(node);
      if (!group) this.pending.set(node, [{ item, resolve, reject }]);
      else if (group.push({ item, resolve, reject }) >= EAGER_ITEMS) {
        this.pending.delete(node);
        void this.send(group, true);
        flushWrites(this.redis);
      }
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.pending;
    this.pending = new Map();
    for (const items of groups.values()) void this.send(items, true);
  }

  private async send(items: Pending[], mayRetryAlone: boolean): Promise<void> {
    const input: SettleInput = {
      nowMs: Date.now(), retentionS: this.retentionS, attemptsKept: this.attemptsKept,
      items: items.map(({ item: it }) => {
        const item: SettleItemInput = { sid: String(it.sid), token: it.token, id: it.eventId, attempt: it.attemptJson, outcome: it.outcome, error: it.errorText };
        if (it.waitChannel) {
          item.wch = it.waitChannel;
          if (it.waitToken) item.nt = it.waitToken;
        }
        return item;
      }),
    };
    const mark = this.replicas?.mark() ?? 0;
    let results: SettleResult[];
    try {
      results = await this.scripts.settleHeads(input);
    } catch (error) {
      // A cluster whose slots moved since the grouping: each item on its own node. An item the
      // failed call already applied answers "moved" (its head is gone: its drainer refetches) or,
      // when it left its drainer waiting, "waiting" again (the school is the wait token's).
      if (mayRetryAlone && items.length > 1) {
        await Promise.all(items.map((it) => this.send([it], false)));
        return;
      }
      for (const it of items) it.reject(error);
      return;
    }
    // A drain pushes a school's next event only after this: a settle lost in a failover can then
    // only bring back the event just pushed, never one before it.
    if (this.replicas?.enabled && !(await this.confirmed(items, mark))) return;
    items.forEach((it, i) => it.resolve(results[i]!));
  }

  /** Waits for the replicas; on failure rejects every item (the drain stops as on a Redis error). */
  private async confirmed(items: Pending[], mark: number): Promise<boolean> {
    try {
      await this.replicas?.confirm(mark);
      return true;
    } catch (error) {
      for (const it of items) it.reject(error);
      return false;
    }
  }
}
