import { randomBytes } from 'node:crypto';
import type { FencedQueue } from '../store/fenced-queue.js';

/** Points where a test can stall a holder (e.g. past its lock); awaited, so a promise holds it there. */
export interface DrainHooks {
  /** A batch was read, nothing of it handled yet. */
  afterRead?: (batch: string[]) => Promise<void>;
  /** The batch was handled, not trimmed yet. */
  beforeTrim?: (batch: string[]) => Promise<void>;
}

export interface DrainOptions {
  /** Lock time to live; renewed every third of it while a round runs. */
  lockMs: number;
  batchSize: number;
  hooks?: DrainHooks | undefined;
}

/** A holder's claim on a queue, as the handler sees it. */
export interface Lease {
  /** False once the lock was lost (a renewal found another token): stop doing anything visible. */
  readonly held: boolean;
  /** Renews the lock now; false when it is no longer held. Call it right before a side effect. */
  confirm(): Promise<boolean>;
}

class RenewedLease implements Lease {
  held = true;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly queue: FencedQueue,
    private readonly token: string,
    private readonly lockMs: number,
    onError: (error: unknown) => void,
  ) {
    // A timer rather than renewals between steps: one slow step (a long push) keeps its lock too.
    this.timer = setInterval(() => this.confirm().catch(onError), Math.max(10, Math.floor(lockMs / 3)));
    this.timer.unref();
  }

  async confirm(): Promise<boolean> {
    if (!this.held) return false;
    if (!(await this.queue.renew(this.token, this.lockMs))) this.held = false;
    return this.held;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Drains a fenced queue: takes its lock, hands batches (oldest first) to `handle`, trims each
 * handled batch with the token check, releases, and starts again while work is left (work queued
 * while the lock was held is seen after the release). Returns at once when another holder has the
 * lock; stops when the lock was lost (the new holder carries on from the untrimmed head). A handler
 * that throws leaves its batch queued for the next round or the sweep.
 */
export async function drainFenced(
  queue: FencedQueue,
  handle: (batch: string[], lease: Lease) => Promise<void>,
  options: DrainOptions,
  onRenewError: (error: unknown) => void,
): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    const token = randomBytes(8).toString('hex');
    if (!(await queue.lock(token, options.lockMs))) return;
    const lease = new RenewedLease(queue, token, options.lockMs, onRenewError);
    let left: number;
    try {
      await drainRound(queue, token, lease, handle, options);
    } finally {
      lease.stop();
      left = await queue.release(token);
    }
    if (left === 0 || !lease.held) return;
  }
}

async function drainRound(queue: FencedQueue, token: string, lease: Lease, handle: (batch: string[], lease: Lease) => Promise<void>, options: DrainOptions): Promise<void> {
  for (;;) {
    const batch = await queue.peek(options.batchSize);
    if (batch.length === 0) return;
    await options.hooks?.afterRead?.(batch);
    if (!(await lease.confirm())) return;
    await handle(batch, lease);
    await options.hooks?.beforeTrim?.(batch);
    if (!(await queue.trim(token, batch.length))) return;
  }
}
