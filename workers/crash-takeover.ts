import type { Queue } from 'bullmq';
import type { Logger } from '../src/lib/logger.js';
import { masters, type RedisClient } from '../src/lib/redis.js';
import type { DrainJob } from '../src/queue/jobs.js';
import type { OutboxStore } from '../src/store/outbox.js';
import { ensureDrainJob, type RecoveryContext } from './drain-recovery.js';

/** How often a worker looks at which worker processes are connected to Redis. */
export const WATCH_EVERY_MS = 250;
/**
 * A worker must be missing from Redis's client list at every look for this long, from the first
 * look that missed it, to count as dead (with a look every 250 ms: four looks in a row, about a
 * second after its death): a connection that is only being re-established is back by then. A
 * time, not a number of looks, so looks that come closer together (a test, a timer catching up)
 * do not shorten it.
 */
export const MISSING_MS = 750;
/** Looks without finding itself in the client list before a worker gives the watch up. */
const SELF_LOOKS = 40;
/** CLIENT LIST refused for good (a provider that disables or restricts it), not a passing error. */
const REFUSED = /unknown command|unknown subcommand|NOPERM|not allowed|disabled/i;

export interface TakeoverContext extends RecoveryContext {
  outbox: Pick<OutboxStore, 'takeOverDrain' | 'drainState'>;
  logger: Logger;
  /** For CLIENT LIST on every master. */
  redis: RedisClient;
}

type QueueName = { name: string; opts: { prefix?: string | undefined } };

/** What BullMQ puts before a worker's name in its connections' names: `<prefix>:<base64 of the queue name>:w:`. */
export function workerConnectionPrefix(queue: QueueName): string {
  return `${queue.opts.prefix ?? 'bull'}:${Buffer.from(queue.name).toString('base64')}:w:`;
}

/**
 * The names of the BullMQ workers of `queue` connected to Redis now. BullMQ names each worker's
 * blocking connection `<prefix>:<base64 of the queue name>:w:<worker name>`, and every connection
 * of it on a Cluster (ioredis opens one per node, each when a command first needs that node).
 * So a worker counts as connected when any master lists it: on a Cluster the node holding the
 * queue lists only the workers that have blocked there since their connection was last opened —
 * a busy worker, or one whose blocking connection BullMQ just reset, may be listed only on
 * another node (`Queue.getWorkers` reads one node, and took such a worker for gone). A process
 * that dies has every socket closed, so it leaves every list. Null when the server does not tell
 * (CLIENT LIST refused); any other error is thrown (the look is logged and the next one tries again).
 */
export async function connectedWorkers(redis: RedisClient, queue: QueueName): Promise<Set<string> | null> {
  const marker = workerConnectionPrefix(queue);
  let lists: string[];
  try {
    lists = await Promise.all(masters(redis).map((node) => node.client('LIST') as Promise<string>));
  } catch (error) {
    if (error instanceof Error && REFUSED.test(error.message)) return null;
    throw error;
  }
  const names = new Set<string>();
  for (const list of lists) {
    for (const line of list.split('\n')) {
      const at = line.indexOf(` name=${marker}`);
      if (at < 0) continue;
      const start = at + 6 + marker.length;
      const end = line.indexOf(' ', start);
      names.add(line.slice(start, end < 0 ? undefined : end));
    }
  }
  return names;
}

/**
 * Takes over the drains of worker processes that died, within about a second of their
 * death, instead of the 1.5–2.5 s BullMQ needs to see the lock lapse.
 *
 * A process that dies (SIGKILL, OOM, a crash) has its sockets closed by the kernel, so Redis
 * drops its connections at once. Every worker looks at the connected workers every 250 ms; a
 * worker that was connected and is missing at every look for 750 ms (four looks in a row, about a
 * second after its death) is dead: a connection that is only being re-established is back by
 * then. Each school whose drain job that worker was running gets a new epoch and a new job
 * (take-over-drain), unless the job had already moved the school on, in which case the school's
 * current job is made sure of. The dead job stays active until BullMQ's stalled check returns
 * it; run again, it finds its epoch stale.
 *
 * A worker that only lost its connection for a moment is fenced like one whose lock lapsed: its
 * next settle finds another owner and it stops. Where Redis does not list clients, or when the
 * machine itself is gone (no socket is closed), BullMQ's lock is what takes the drains over.
 */
export class CrashTakeover {
  /** Workers missing from the list at every look since: name → the first look that missed it (ms). */
  private readonly missing = new Map<string, number>();
  private connected = new Set<string>();
  private seenSelf = false;
  private looksWithoutSelf = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: TakeoverContext,
    private readonly queue: Queue,
    private readonly self: string,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.look().catch((error: unknown) => this.ctx.logger.warn('crash watch failed', { error: error instanceof Error ? error.message : String(error) })), WATCH_EVERY_MS);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look at the connected workers; takes over the drains of the ones found dead. */
  async look(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    try {
      return await this.lookOnce();
    } finally {
      this.running = false;
    }
  }

  private async lookOnce(): Promise<string[]> {
    const atMs = Date.now();
    const now = await connectedWorkers(this.ctx.redis, this.queue);
    if (!now || !now.has(this.self)) {
      // Not even this worker is listed: the list cannot be trusted (its own connection is being
      // re-established, or the server hides names). Give up after a while if it never was.
      if (!this.seenSelf && ++this.looksWithoutSelf === SELF_LOOKS) {
        this.ctx.logger.info('Redis does not list worker connections; a crashed worker\'s drains are taken over when its job lock lapses');
        this.stop();
      }
      return [];
    }
    if (!this.seenSelf) {
      this.seenSelf = true;
      // Workers that died before this one started: their jobs are still active.
      for (const name of await this.activeDrainOwners()) if (!now.has(name)) this.connected.add(name);
    }
    const dead: string[] = [];
    for (const name of this.connected) {
      if (now.has(name)) {
        this.missing.delete(name);
        continue;
      }
      const since = this.missing.get(name) ?? atMs;
      if (atMs - since >= MISSING_MS) {
        this.missing.delete(name);
        dead.push(name);
      } else {
        this.missing.set(name, since);
      }
    }
    this.connected = new Set([...now, ...this.missing.keys()]);
    if (dead.length > 0) await this.takeOver(new Set(dead));
    return dead;
  }

  private async activeDrainOwners(): Promise<Set<string>> {
    const jobs = await this.queue.getJobs(['active']);
    return new Set(jobs.filter((job) => job.name === 'drain' && job.processedBy).map((job) => job.processedBy!));
  }

  private async takeOver(dead: Set<string>): Promise<void> {
    const jobs = (await this.queue.getJobs(['active'])).filter((job) => job.name === 'drain' && dead.has(job.processedBy ?? ''));
    let taken = 0;
    await Promise.all(jobs.map(async (job) => {
      const { sid, epoch } = job.data as DrainJob;
      const next = await this.ctx.outbox.takeOverDrain(sid, epoch);
      if (next !== null) {
        await this.ctx.scheduler.drain(sid, next);
        taken++;
      } else {
        await ensureDrainJob(this.ctx, sid, await this.ctx.outbox.drainState(sid), 'its worker died');
      }
    }));
    this.ctx.logger.warn('worker process gone from Redis; its drains were taken over', { workers: [...dead], jobs: jobs.length, schools: taken });
  }
}
