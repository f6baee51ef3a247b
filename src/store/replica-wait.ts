import type { RedisClient } from '../lib/redis.js';
import type { Config } from '../config.js';
import { flushWrites } from '../lib/redis-coalesce.js';

/** Fewer replicas than required held a write in time (or the connection changed under it): a 503. */
export class ReplicaWaitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaWaitError';
  }
}

/** Which connection a write went out on: taken just before the write is sent. */
export type WriteMark = number;

interface Waiter {
  mark: WriteMark;
  resolve(): void;
  reject(error: Error): void;
}

/** A WAIT whose reply has not come this long after its own timeout is given up (dead connection). */
const REPLY_GRACE_MS = 500;

/**
 * Makes writes count only once `minReplicas` replicas hold them (Redis WAIT), for one connection.
 *
 * WAIT covers every earlier write of the connection it is sent on (Redis keeps the client's last
 * write offset), and replication is one ordered stream. So one WAIT sent after many writes
 * covers them all: callers who ask during one event-loop turn share one WAIT, sent at the
 * turn's end, and callers who ask while a WAIT is in flight share the next one, sent when it
 * returns. A caller never joins a WAIT already sent, so the cover holds whatever order promise
 * jobs run in. With minReplicas 0 nothing is ever sent.
 *
 * A write and its WAIT must travel on the same connection: a WAIT on a new connection (after a
 * reconnect, or a failover) covers nothing of the old one and would confirm writes the new
 * primary may never have seen. Every close and connect bumps a generation; a write marked under
 * another generation than the one its WAIT's reply came on is refused.
 */
export class ReplicaWait {
  private generation = 0;
  private pending: Waiter[] = [];
  private busy = false;
  private scheduled = false;

  constructor(
    private readonly redis: RedisClient,
    readonly minReplicas: number,
    readonly timeoutMs: number,
  ) {
    if (minReplicas > 0) {
      const bump = () => {
        this.generation++;
      };
      redis.on('close', bump);
      redis.on('connect', bump);
    }
  }

  /** False when no WAIT is ever sent (REDIS_MIN_REPLICAS_ACK=0): callers skip the step. */
  get enabled(): boolean {
    return this.minReplicas > 0;
  }

  /** Marks a write: take it just before sending the write, pass it to confirm once it is sent. */
  mark(): WriteMark {
    return this.generation;
  }

  /**
   * Resolves once `minReplicas` replicas hold every write this connection sent before the call
   * (its reply need not have come: the WAIT goes out later on the same connection); rejects with
   * ReplicaWaitError past the timeout.
   */
  confirm(mark: WriteMark): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (mark !== this.generation) return Promise.reject(this.changed());
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ mark, resolve, reject });
      if (!this.busy && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.sendNext());
      }
    });
  }

  /** Runs `write` and confirms it: the common case of one write, then its WAIT. */
  async after<T>(write: () => Promise<T>): Promise<T> {
    const mark = this.mark();
    const result = await write();
    await this.confirm(mark);
    return result;
  }

  private changed(): ReplicaWaitError {
    return new ReplicaWaitError('the Redis connection changed before the write was confirmed by its replicas');
  }

  private sendNext(): void {
    this.scheduled = false;
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    this.busy = true;
    const sentOn = this.generation;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ReplicaWaitError(`no reply to WAIT within ${this.timeoutMs + REPLY_GRACE_MS} ms`)), this.timeoutMs + REPLY_GRACE_MS);
    });
    const wait = this.redis.call('WAIT', this.minReplicas, this.timeoutMs) as Promise<number>;
    flushWrites(this.redis);
    Promise.race([wait, deadline])
      .then((acked) => this.settle(group, sentOn, Number(acked)))
      .catch((error: unknown) => this.fail(group, asWaitError(error)))
      .finally(() => {
        clearTimeout(timer);
        this.busy = false;
        if (this.pending.length > 0) this.sendNext();
      });
    // The losing side of the race (a late reply, a late error) must not surface as unhandled.
    wait.catch(() => undefined);
  }

  private settle(group: Waiter[], sentOn: WriteMark, acked: number): void {
    if (this.generation !== sentOn) return this.fail(group, this.changed());
    if (acked < this.minReplicas) {
      return this.fail(group, new ReplicaWaitError(`only ${acked} of ${this.minReplicas} replicas acknowledged the write within ${this.timeoutMs} ms`));
    }
    for (const w of group) {
      if (w.mark === sentOn) w.resolve();
      else w.reject(this.changed());
    }
  }

  private fail(group: Waiter[], error: Error): void {
    for (const w of group) w.reject(error);
  }
}

/** A failed WAIT (connection lost, a replica answering) is a replication failure like a timeout. */
function asWaitError(error: unknown): ReplicaWaitError {
  if (error instanceof ReplicaWaitError) return error;
  return new ReplicaWaitError(`WAIT failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** The ReplicaWait of a connection, as the configuration asks (disabled unless REDIS_MIN_REPLICAS_ACK > 0). */
export function replicaWaitFor(redis: RedisClient, config: Pick<Config, 'redisMinReplicasAck' | 'redisWaitTimeoutMs'>): ReplicaWait {
  return new ReplicaWait(redis, config.redisMinReplicasAck, config.redisWaitTimeoutMs);
}
