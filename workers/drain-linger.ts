import type { Handoff } from '../src/store/drain-wakes.js';

/** Why a drainer waiting on its school's empty outbox stopped waiting. */
export type WakeReason = 'event' | 'timeout' | 'evicted' | 'stopping';

/** How a wait ended; woken by the ingest's handover, with the events to push (no fetch needed). */
export interface Wake {
  reason: WakeReason;
  handoff?: Handoff;
}

interface Waiter {
  woken: boolean;
  handoff?: Handoff;
  resolve?: (reason: WakeReason) => void;
}

/** Told how many drains wait now and how each wait ended (the worker's metrics). */
export interface LingerObserver {
  waiting(count: number): void;
  ended(reason: WakeReason): void;
}

/** What DrainLinger needs of the wake channel (DrainWakes). */
export interface WakeChannel {
  readonly channel: string;
  readonly listening: boolean;
}

/**
 * Lets a drain keep its school for a while when the outbox runs empty, instead of releasing it:
 * at a steady rate most events arrive at a school whose outbox has just emptied, and waking the
 * waiting drainer (one Pub/Sub message the ingest script publishes) costs a fraction of adding,
 * fetching and finishing a new BullMQ job, and takes no trip through the queue.
 *
 * A waiting drain still holds one of the worker's `WORKER_CONCURRENCY` job slots, so waiting gives
 * way to work: at most half of the slots wait, so the other half takes new jobs at full speed
 * however many schools there are (a worker whose slots all waited but one would start its jobs one
 * at a time); a drain waits only while a slot is left free, and when a new drain job takes the
 * last free slot, the drain that has waited longest stops waiting (and releases its school unless
 * an event came). Every wait ends after `DRAIN_LINGER_MS`, on shutdown, and when its
 * event is published. A drainer arms its token before the fetch that may leave it waiting, so a
 * message that overtakes the fetch's reply is kept.
 */
export class DrainLinger {
  /** Armed and waiting drainers by owner token, oldest first (Map keeps insertion order). */
  private readonly waiters = new Map<string, Waiter>();
  private waiting = 0;
  private running = 0;
  private stopped = false;
  /** At most this many drains are armed or waiting: half of the slots. */
  private readonly maxWaiters: number;

  private wakes: WakeChannel | undefined;

  constructor(
    private readonly lingerMs: number,
    private readonly concurrency: number,
    private readonly observer: LingerObserver = { waiting: () => undefined, ended: () => undefined },
  ) {
    this.maxWaiters = Math.floor(concurrency / 2);
  }

  /** The channel the drainers wait on (none: they never wait); its messages go to `wake`. */
  listenOn(wakes: WakeChannel | undefined): void {
    this.wakes = wakes;
  }

  /** A job started (any kind: it holds a slot until `ended`); makes room when it took the last one. */
  started(): void {
    this.running++;
    if (this.running >= this.concurrency) this.evictOldest();
  }

  ended(): void {
    this.running--;
  }

  /**
   * The channel to give the next fetch when the drainer may wait on an empty outbox (its token is
   * armed from now on: `disarm` it when the fetch did not leave it waiting), or undefined.
   */
  arm(token: string): string | undefined {
    if (this.lingerMs <= 0 || this.stopped || !this.wakes?.listening || this.running >= this.concurrency || this.waiters.size >= this.maxWaiters) return undefined;
    this.waiters.set(token, { woken: false });
    return this.wakes.channel;
  }

  disarm(token: string): void {
    this.waiters.delete(token);
  }

  /**
   * Runs a fetch or settle that may leave the drainer waiting with `token` (undefined: it may not):
   * the token is armed first when a wait is possible (the call then gets the channel), and dropped
   * again unless the call answered `waiting` — also when the call failed, so errors never use up
   * the waiting slots.
   */
  async armedFor<T extends { kind: string }>(token: string | undefined, call: (channel: string | undefined) => Promise<T>): Promise<T> {
    const channel = token === undefined ? undefined : this.arm(token);
    let reply: T | undefined;
    try {
      reply = await call(channel);
      return reply;
    } finally {
      if (channel !== undefined && reply?.kind !== 'waiting') this.disarm(token!);
    }
  }

  /** Waits for the armed token's event, at most DRAIN_LINGER_MS. */
  wait(token: string): Promise<Wake> {
    const waiter = this.waiters.get(token);
    if (waiter?.woken || !waiter || this.stopped) {
      // Woken before it waited, or nothing to wait for: over at once.
      const reason: WakeReason = waiter?.woken ? 'event' : 'stopping';
      this.waiters.delete(token);
      this.observer.ended(reason);
      return Promise.resolve(wakeOf(reason, waiter));
    }
    this.waiting++;
    this.observer.waiting(this.waiting);
    return new Promise<Wake>((resolve) => {
      const timer = setTimeout(() => waiter.resolve?.('timeout'), this.lingerMs);
      waiter.resolve = (reason) => {
        clearTimeout(timer);
        waiter.resolve = undefined;
        this.waiters.delete(token);
        this.waiting--;
        this.observer.waiting(this.waiting);
        this.observer.ended(reason);
        resolve(wakeOf(reason, waiter));
      };
    });
  }

  /**
   * A message on the wake channel: the school of the drainer with this token got events, handed
   * over with the message or to be fetched. A token is armed for one wait only, so a message meant
   * for an earlier wait wakes nothing.
   */
  wake(token: string, handoff?: Handoff): void {
    const waiter = this.waiters.get(token);
    if (!waiter || waiter.woken) return;
    waiter.woken = true;
    if (handoff) waiter.handoff = handoff;
    waiter.resolve?.('event');
  }

  /** Drainers waiting now (metrics, tests). */
  get waitingCount(): number {
    return this.waiting;
  }

  /** Shutdown: every wait ends now and no drain waits again. */
  stop(): void {
    this.stopped = true;
    for (const waiter of [...this.waiters.values()]) waiter.resolve?.('stopping');
  }

  private evictOldest(): void {
    for (const waiter of this.waiters.values()) {
      if (waiter.resolve) {
        waiter.resolve('evicted');
        return;
      }
    }
  }
}

/** The handed-over events go only with a wake by the event itself. */
function wakeOf(reason: WakeReason, waiter: Waiter | undefined): Wake {
  return reason === 'event' && waiter?.handoff ? { reason, handoff: waiter.handoff } : { reason };
}
