import type { RedisClient } from '../lib/redis.js';
import { Queue } from 'bullmq';
import {
  JOB_DEFAULTS, QUEUE_NAME, drainJobId, netReportJobId, roomDestroyJobId, summaryJobId, verifyJobId,
  type DrainJob, type NetReportJob, type RoomDestroyJob, type SummaryJob, type VerifyJob,
} from './jobs.js';

/** Adds classbell's jobs to BullMQ. Shared by the API (wake-ups) and the workers (retries, slices). */
export class Scheduler {
  readonly queue: Queue;

  constructor(connection: RedisClient, bullPrefix: string) {
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

  /** Computes a class's lesson summary at `atMs` (or now if that has passed). */
  async summary(sid: number, classId: number, version: number, atMs: number): Promise<void> {
    const data: SummaryJob = { sid, classId, version };
    await this.queue.add('summary', data, { jobId: summaryJobId(sid, classId, version), delay: Math.max(0, atMs - Date.now()) });
  }

  /** Aggregates one window of network samples at `atMs`. */
  async netReport(sid: number, classId: number, windowStartS: number, atMs: number): Promise<void> {
    const data: NetReportJob = { sid, classId, windowStartS };
    await this.queue.add('net-report', data, { jobId: netReportJobId(sid, classId, windowStartS), delay: Math.max(0, atMs - Date.now()) });
  }

  /** Destroys an empty room after delayMs unless someone enters (the job then finds it stale). */
  async roomDestroy(job: RoomDestroyJob, delayMs: number): Promise<void> {
    await this.queue.add('room-destroy', job, { jobId: roomDestroyJobId(job.roomId, job.life), delay: Math.max(0, Math.round(delayMs)) });
  }

  /** True when a job with this id exists in any state. */
  async jobExists(jobId: string): Promise<boolean> {
    return (await this.queue.getJobState(jobId)) !== 'unknown';
  }

  /** True when a drain job for this epoch exists in any state (waiting, delayed, active…). */
  async drainJobExists(sid: number, epoch: number): Promise<boolean> {
    return (await this.queue.getJobState(drainJobId(sid, epoch))) !== 'unknown';
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
