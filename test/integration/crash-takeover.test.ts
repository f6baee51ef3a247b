/**
 * CrashTakeover: the drains of a worker whose Redis connections are gone are handed to a new job
 * at once, long before the dead job's lock lapses; a worker still connected keeps its drains.
 * The "dead" worker here is a BullMQ worker with a 60 s lock that claims the school's drain and
 * then hangs in its push; its death is its connections closing (as the kernel closes a killed
 * process's sockets).
 */
import request from 'supertest';
import { Worker, type Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBullConnection } from '../../src/lib/redis.js';
import { QUEUE_NAME, drainJobId, type DrainJob } from '../../src/queue/jobs.js';
import { CrashTakeover, MISSING_MS, WATCH_EVERY_MS, connectedWorkers, workerConnectionPrefix } from '../../workers/crash-takeover.js';
import { masters } from '../../src/lib/redis.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

describe('taking over the drains of a worker process that died', () => {
  let h: Harness;
  let receiver: Receiver;
  let ghost: Worker | undefined;
  let watch: CrashTakeover | undefined;

  beforeAll(async () => {
    h = await createHarness('takeover', { workers: false });
    receiver = await new Receiver().start();
    receiver.reply = () => ({ body: ACK });
    // The schools' test pushes need a worker; then none runs until a test starts one.
    h.startWorkers();
    for (const sid of [8801, 8802]) {
      await createSchool(h.app, sid, receiver.url);
      await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    }
    await h.workers!.close();
    h.workers = undefined;
  });
  afterEach(async () => {
    watch?.stop();
    await ghost?.close(true);
    await h.workers?.close();
    h.workers = undefined;
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  /** A worker that claims the school's drain, then hangs as in a push that never returns. */
  async function ghostClaims(name: string, sid: number): Promise<{ epoch: number }> {
    const claimed: { epoch?: number } = {};
    ghost = new Worker(QUEUE_NAME, async (job: Job<DrainJob>) => {
      await h.deps.outbox.fetchHead(job.data.sid, 'claim', String(job.data.epoch), `ghost-token-${name}`, 10);
      claimed.epoch = job.data.epoch;
      await new Promise(() => {});
    }, { connection: createBullConnection(h.config), prefix: h.deps.keys.bullPrefix, name, lockDuration: 60_000, concurrency: 1 });
    const { auth } = await createApp(h.app, [sid]);
    await request(h.app).post('/v1/events').set(auth).send({ type: 'stage', sid, classId: 1, uid: 1, up: true }).expect(202);
    await waitFor('the ghost claims the drain', async () => claimed.epoch !== undefined && (await h.deps.outbox.drainState(sid)).phase === 'draining');
    return { epoch: claimed.epoch! };
  }

  it('hands a dead worker\'s school to a new job while the dead job still holds its lock', async () => {
    const sid = 8801;
    const { epoch } = await ghostClaims('ghost-dead', sid);
    const pushesBefore = receiver.events().length;

    await ghost!.close(true); // its connections close; its job stays active under a 60 s lock
    ghost = undefined;
    h.startWorkers(); // a live worker, with its own watch
    await waitFor('the event is pushed by the live worker', () => receiver.events().length > pushesBefore);

    const state = await h.deps.outbox.drainState(sid);
    expect(state.epoch).toBeGreaterThan(epoch);
    // Only the takeover explains the push: the dead job is still active (its lock has not lapsed).
    expect(await h.deps.scheduler.queue.getJobState(drainJobId(sid, epoch))).toBe('active');
    await waitFor('acknowledged', async () => (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.delivered === 1);
  });

  it('counts a worker connected whichever master lists it (on a Cluster, not only the queue\'s node)', async () => {
    // A worker's connections on a Cluster open node by node, when a command first needs the node:
    // a busy worker may have none on the node that holds the queue. One named connection per
    // master, as BullMQ names a worker's: each must be found.
    const queue = h.deps.scheduler.queue;
    const marker = workerConnectionPrefix(queue);
    const nodes = masters(h.deps.redis);
    const named = nodes.map((node, i) => node.duplicate({ connectionName: `${marker}elsewhere-${i}`, enableOfflineQueue: true }));
    try {
      await Promise.all(named.map((c) => c.ping()));
      const names = await connectedWorkers(h.deps.redis, queue);
      for (let i = 0; i < nodes.length; i++) expect(names).toContain(`elsewhere-${i}`);
      // Only this queue's workers, by their names alone.
      expect([...names!].some((n) => n.includes(':'))).toBe(false);
    } finally {
      await Promise.all(named.map((c) => c.quit()));
    }
    // Their connections closed: listed nowhere.
    await waitFor('the closed connections leave every list', async () =>
      [...(await connectedWorkers(h.deps.redis, queue))!].every((n) => !n.startsWith('elsewhere-')));
  });

  it('leaves a worker that is still connected alone, however long its push takes', async () => {
    const sid = 8802;
    const { epoch } = await ghostClaims('ghost-alive', sid);
    // The watch of a worker named "watcher" that takes no job (not started): its blocking
    // connection is listed under its name all the same.
    const self = new Worker(QUEUE_NAME, async () => {}, { connection: createBullConnection(h.config), prefix: h.deps.keys.bullPrefix, name: 'watcher', autorun: false });
    try {
      watch = new CrashTakeover({ ...h.deps, config: h.config, outbox: h.deps.outbox }, h.deps.scheduler.queue, 'watcher');
      // Looks at the watch's own pace, for well over the time a worker must be missing.
      const lookUntil = Date.now() + 3 * MISSING_MS;
      let seenDead: string[] = [];
      await waitFor('looks that list the watcher', async () => {
        seenDead = seenDead.concat(await watch!.look());
        await new Promise((r) => setTimeout(r, WATCH_EVERY_MS));
        return Date.now() >= lookUntil;
      });
      expect(seenDead).not.toContain('ghost-alive'); // (the first test's dead worker may be found again: its job is still active)
      const state = await h.deps.outbox.drainState(sid);
      expect(state.epoch).toBe(epoch);
      expect(state.phase).toBe('draining');

      // Now it dies: once Redis has dropped its connections and it has been missing for
      // MISSING_MS, its drain has a new job — however often the watch looks (here every 20 ms).
      const diedAt = Date.now();
      await ghost!.close(true);
      ghost = undefined;
      let dead: string[] = [];
      await waitFor('the watch finds it dead', async () => {
        dead = dead.concat(await watch!.look());
        return dead.includes('ghost-alive');
      });
      expect(Date.now() - diedAt).toBeGreaterThanOrEqual(MISSING_MS);
      expect(dead.filter((name) => name !== 'ghost-dead')).toEqual(['ghost-alive']);
      const after = await h.deps.outbox.drainState(sid);
      expect(after.epoch).toBe(epoch + 1);
      expect(after.phase).toBe('queued');
      expect(await h.deps.scheduler.drainJobExists(sid, epoch + 1)).toBe(true);
    } finally {
      await self.close(true);
    }
  });
});
