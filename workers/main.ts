import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { createStoreConnection, type Deps } from '../src/deps.js';
import { PushClient } from '../src/lib/http-push.js';
import { createBullConnection, waitReady } from '../src/lib/redis.js';
import { OutboxStore } from '../src/store/outbox.js';
import { replicaWaitFor } from '../src/store/replica-wait.js';
import { QUEUE_NAME, type DrainJob, type NetReportJob, type RoomDestroyJob, type SummaryJob, type VerifyJob } from '../src/queue/jobs.js';
import type { WorkerContext } from './context.js';
import { CrashTakeover } from './crash-takeover.js';
import { PushGate } from './push-gate.js';
import { DrainLinger } from './drain-linger.js';
import { DrainWakes } from '../src/store/drain-wakes.js';
import { PushWindow } from '../src/store/push-window.js';
import { processDrain } from './drain.js';
import { checkAlerts } from './alerts.js';
import { RECONCILE_EVERY_MS, every, reconcileDeletes, reconcileDrains, reconcileIngestJournal, reconcileNetReports, reconcileSummaries, reconcileVerifications } from './maintenance.js';
import { AlertStore } from '../src/store/alerts.js';
import { TaskLocks } from '../src/store/task-locks.js';
import { processNetReport } from './net-report.js';
import { heartbeatSweepMs, processRoomDestroy, reconcileEmptyRooms, roomMaintenance } from './room-maintenance.js';
import { processSummary } from './summary.js';
import { processVerify } from './verify.js';

export interface RunningWorkers {
  /** Stops taking jobs, lets in-flight pushes finish (drains yield), then closes connections. */
  close(): Promise<void>;
  readonly worker: Worker;
}

/** The stalled-job check's period for a lock duration: a quarter of it, within 0.25–15 s. */
const stalledIntervalMs = (jobLockMs: number) => Math.min(15_000, Math.max(250, Math.round(jobLockMs / 4)));

/**
 * How often BullMQ renews a running job's lock: a quarter of it (BullMQ's own default is half, and
 * it renews a job once its last renewal is half that old). Renewed this often, a live worker keeps
 * its lock through event-loop stalls of three quarters of it, and the lock of a worker on a machine
 * that vanished lapses within the whole of it.
 */
const lockRenewMs = (jobLockMs: number) => Math.max(100, Math.round(jobLockMs / 4));

/** Stored on each job the worker takes (BullMQ's processedBy): which process runs a drain. */
export const workerName = (pid = process.pid) => `classbell-${hostname()}-${pid}`;

/** Starts the BullMQ worker that runs drain and verify jobs, and the periodic maintenance. */
export function startWorkers(deps: Deps): RunningWorkers {
  const { config, logger, keys, redis } = deps;
  const client = new PushClient({ connectionsPerOrigin: config.pushConnectionsPerOrigin, guard: deps.endpointGuard });
  // The alert webhook is the operator's own endpoint: not subject to the school SSRF guard.
  const alertClient = new PushClient({ connectionsPerOrigin: 2 });
  const stopping = { value: false };
  // The drains' own connection. In one process with the API (the default), the drains' head reads
  // and settles would otherwise queue on one socket behind the ingest's scripts (a batch of 100
  // events is about a millisecond of Redis time each); Redis serves two connections in turn. It
  // coalesces its writes like the stores' connection.
  const drainRedis = createStoreConnection(config, logger, 'redis (drain)');
  // Drains wait on an empty outbox for the school's next event, woken on this worker's channel.
  const linger = new DrainLinger(config.drainLingerMs, config.workerConcurrency, {
    waiting: (count) => deps.metrics.drainsWaiting.set(count),
    ended: (reason) => deps.metrics.drainWaits.inc({ end: reason }),
  });
  const wakes = config.drainLingerMs > 0
    ? new DrainWakes(config, keys, (token, handoff) => linger.wake(token, handoff), (error) => logger.warn('redis (drain wakes) connection problem', { error: error.message }))
    : undefined;
  linger.listenOn(wakes);
  wakes?.start().catch((error: unknown) => logger.warn('drain wake channel not subscribed; drains release their schools at once', { error: error instanceof Error ? error.message : String(error) }));
  const ctx: WorkerContext = {
    config, logger, client, stopping, deps, tracing: deps.tracing, linger,
    scheduler: deps.scheduler, schools: deps.schools, deliveries: deps.deliveries,
    outbox: new OutboxStore(drainRedis, keys, config.deliveryRetentionS, undefined, replicaWaitFor(drainRedis, config), deps.tracing !== undefined),
    pushGate: new PushGate(deps.schools, new PushWindow(drainRedis, keys)),
  };
  const runJob = async (job: Job): Promise<unknown> => {
    if (job.name === 'drain') {
      // Commands fail fast while a connection is not ready (as on the stores' connection): the
      // first jobs after start wait for it, as the process waited for the stores' one.
      if (drainRedis.status !== 'ready') await waitReady(drainRedis, 10_000);
      return processDrain(ctx, job as Job<DrainJob>);
    }
    if (job.name === 'verify') return processVerify(ctx, job as Job<VerifyJob>);
    if (job.name === 'summary') return processSummary(ctx, job as Job<SummaryJob>);
    if (job.name === 'net-report') return processNetReport(ctx, job as Job<NetReportJob>);
    if (job.name === 'room-destroy') return processRoomDestroy(deps, job as Job<RoomDestroyJob>);
    logger.error('unknown job kind', { name: job.name, jobId: job.id });
  };
  const connection = createBullConnection(config);
  connection.on('error', (error: Error) => logger.warn('redis (worker) connection problem', { error: error.message }));
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job) => {
      // Every job holds a slot: a drain waiting on an empty outbox gives its slot up when a job takes the last one.
      linger.started();
      try {
        return await runJob(job);
      } finally {
        linger.ended();
      }
    },
    {
      connection,
      prefix: keys.bullPrefix,
      concurrency: config.workerConcurrency,
      // A killed worker's drains are taken over by CrashTakeover once its connections are gone
      // from Redis (about a second). The lock is the fallback where that cannot be seen (a
      // machine that vanished, CLIENT LIST refused): it lapses 2.25–3 s after the crash at the
      // default 3 s lock and the next stalled check (every 0.75 s) returns the job. The epoch and
      // owner checks of the drain state fence a slow worker whose job was taken over while it ran.
      name: workerName(),
      lockDuration: config.jobLockMs,
      lockRenewTime: lockRenewMs(config.jobLockMs),
      stalledInterval: stalledIntervalMs(config.jobLockMs),
      maxStalledCount: 10,
    },
  );
  // Drains of a worker process that died are taken over as soon as its connections are gone.
  const takeover = new CrashTakeover({ ...ctx, redis: deps.redis }, deps.scheduler.queue, workerName()).start();
  worker.on('failed', (job, error) => logger.error('job failed', { jobId: job?.id, name: job?.name, error: error.message }));
  worker.on('error', (error) => logger.warn('worker problem', { error: error.message }));
  const onError = (error: unknown) => logger.warn('maintenance task failed', { error: error instanceof Error ? error.message : String(error) });
  const locks = new TaskLocks(redis, keys);
  const stops = [
    every(locks, 'reconcile', RECONCILE_EVERY_MS, () => Promise.all([reconcileDrains(deps), reconcileIngestJournal(deps), reconcileDeletes(deps)]), onError),
    every(locks, 'reconcile-jobs', 30_000, () => Promise.all([reconcileSummaries(deps), reconcileVerifications(deps), reconcileNetReports(deps)]), onError),
    every(locks, 'rooms', heartbeatSweepMs(config.heartbeatIntervalS), () => roomMaintenance(deps), onError),
    every(locks, 'reconcile-rooms', 300_000, () => reconcileEmptyRooms(deps), onError),
    every(locks, 'trim-logs', 600_000, () => deps.deliveries.trimLogs(config.deliveryRetentionS), onError),
    every(locks, 'alerts', config.alertCheckIntervalMs, () => checkAlerts(deps, alertClient, new AlertStore(redis, keys)), onError),
  ];
  return {
    worker,
    async close() {
      stopping.value = true;
      linger.stop();
      takeover.stop();
      for (const stop of stops) stop();
      await worker.close();
      await client.close();
      await alertClient.close();
      connection.disconnect();
      drainRedis.disconnect();
      wakes?.close();
    },
  };
}
