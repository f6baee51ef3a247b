import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_DEFAULTS, QUEUE_NAME, drainJobId, verifyJobId, type DrainJob, type VerifyJob } from './jobs.js';

/** Adds classbell's jobs to BullMQ. Shared by the API (wake-ups) and the workers (retries, slices). */
export class Scheduler {
  readonly queue: Queue;

  constructor(connection: Redis, bullPrefix: string) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix: bullPrefix, defaultJobOptions: JOB_DEFAULTS });
  }

  /** Starts (or, with a delay, retries) the drain of one school. */
  async drain(sid: number, epoch: number, delayMs = 0): Promise<void> {
    const data: DrainJob = { sid, epoch };
    await this.queue.add('drain', data, { jobId: drainJobId(sid, epoch), delay: Math.max(0, Math.round(delayMs)) });
  }

  /** Starts drains for many schools in one round trip. */
  async drainMany(wakes: { sid: number; epoch: number }[]): Promise<void> {
    if (wakes.length === 0) return;
    if (wakes.length === 1) return this.drain(wakes[0]!.sid, wakes[0]!.epoch);
    await this.queue.addBulk(
      wakes.map(({ sid, epoch }) => ({ name: 'drain', data: { sid, epoch } satisfies DrainJob, opts: { jobId: drainJobId(sid, epoch) } })),
    );
  }

  async verify(sid: number, verifyId: string): Promise<void> {
    const data: VerifyJob = { sid, verifyId };
    await this.queue.add('verify', data, { jobId: verifyJobId(sid, verifyId) });
  }

  /** True when a drain job for this epoch exists in any state (waiting, delayed, active…). */
  async drainJobExists(sid: number, epoch: number): Promise<boolean> {
    return (await this.queue.getJobState(drainJobId(sid, epoch))) !== 'unknown';
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
