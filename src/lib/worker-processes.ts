import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from './logger.js';
import type { MetricsJson } from './metrics.js';

interface MetricsRequest {
  classbell: 'metrics';
  id: number;
}
interface MetricsReply {
  classbell: 'metrics';
  id: number;
  metrics: MetricsJson;
}

const isReply = (message: unknown): message is MetricsReply =>
  typeof message === 'object' && message !== null && (message as MetricsReply).classbell === 'metrics' && Array.isArray((message as MetricsReply).metrics);

/** A restarted worker process waits this long first, doubling up to MAX_RESTART_DELAY_MS. */
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A process that ran this long before it died restarts after the first delay again. */
const STABLE_AFTER_MS = 60_000;
/** A process that does not answer a metrics request within this is left out of the scrape. */
const METRICS_TIMEOUT_MS = 2000;

export interface WorkerProcessOptions {
  count: number;
  /** The module to run (this process's own entry point) and its arguments. */
  entry: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/**
 * The worker processes `npm start` runs beside its API (WORKER_PROCESSES): the same entry point
 * with `--role=worker`, so the API's event loop and the drains' each get a core. A process that
 * dies is started again (after 0.5 s, doubling up to 30 s while it keeps dying); the crash watch
 * of the others takes its drains over meanwhile. A worker process exits when this one goes away
 * (its IPC channel closes), so none is left behind by a SIGKILL. `/metrics` of the API adds
 * theirs (prom-client's aggregation across processes).
 */
export class WorkerProcesses {
  private readonly children = new Set<ChildProcess>();
  private stopping = false;
  private nextId = 0;

  constructor(private readonly options: WorkerProcessOptions) {
    for (let i = 0; i < options.count; i++) this.spawn(i, FIRST_RESTART_DELAY_MS);
  }

  private spawn(slot: number, restartDelayMs: number): void {
    const { entry, args, env, logger } = this.options;
    const startedAt = Date.now();
    const child = fork(entry, args, { env, stdio: 'inherit' });
    this.children.add(child);
    child.on('error', (error) => logger.warn('worker process problem', { slot, error: error.message }));
    child.once('exit', (code, signal) => {
      this.children.delete(child);
      if (this.stopping) return;
      const delayMs = Date.now() - startedAt >= STABLE_AFTER_MS ? FIRST_RESTART_DELAY_MS : restartDelayMs;
      logger.error('worker process exited; starting it again', { slot, pid: child.pid, code, signal, restartInMs: delayMs });
      setTimeout(() => {
        if (!this.stopping) this.spawn(slot, Math.min(MAX_RESTART_DELAY_MS, delayMs * 2));
      }, delayMs).unref();
    });
  }

  /** Each running worker process's metrics (those that answer within 2 s). */
  async metrics(): Promise<MetricsJson[]> {
    const replies = await Promise.all([...this.children].map((child) => this.metricsOf(child)));
    return replies.filter((m): m is MetricsJson => m !== null);
  }

  private metricsOf(child: ChildProcess): Promise<MetricsJson | null> {
    if (!child.connected) return Promise.resolve(null);
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const done = (value: MetricsJson | null) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(value);
      };
      const onMessage = (message: unknown) => {
        if (isReply(message) && message.id === id) done(message.metrics);
      };
      const timer = setTimeout(() => done(null), METRICS_TIMEOUT_MS);
      child.on('message', onMessage);
      child.send({ classbell: 'metrics', id } satisfies MetricsRequest, (error) => {
        if (error) done(null);
      });
    });
  }

  /** Stops them all (SIGTERM: in-flight pushes finish) and waits until they have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    })));
  }
}

/**
 * In a worker process started by WorkerProcesses: answers the parent's metrics requests, and calls
 * `onParentGone` when the parent's IPC channel closes (the parent exited or was killed). Returns
 * false when this process was not started that way.
 */
export function serveParent(metrics: () => Promise<MetricsJson>, onParentGone: () => void): boolean {
  if (!process.send || !process.connected) return false;
  process.on('message', (message: unknown) => {
    const request = message as Partial<MetricsRequest>;
    if (request?.classbell !== 'metrics' || typeof request.id !== 'number') return;
    void metrics().then((values) => process.send?.({ classbell: 'metrics', id: request.id!, metrics: values } satisfies MetricsReply));
  });
  process.once('disconnect', onParentGone);
  return true;
}
