/**
 * A drain whose school's outbox ran empty keeps the school for DRAIN_LINGER_MS (default 2 s): the
 * school's next event wakes it through the worker's Pub/Sub channel, with no new BullMQ job, and
 * the school is released once the wait ends with nothing to push. Real Redis, real receivers, the
 * default settings, except where a test needs a wait longer than the test itself (to show that
 * something other than the wait's end finished it).
 */
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { drainJobId } from '../../src/queue/jobs.js';
import { Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

describe('drains linger on an empty outbox', () => {
  const receivers: Receiver[] = [];
  const harnesses: Harness[] = [];

  async function setUp(env: Record<string, string> = {}) {
    const h = await createHarness('linger', { env });
    harnesses.push(h);
    const { auth } = await createApp(h.app);
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    const sid = 4100 + harnesses.length;
    await createSchool(h.app, sid, receiver.url);
    await waitFor('school active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    const post = async (i: number) => (await request(h.app).post('/v1/events').set(auth).send(handsUp(sid, i)).expect(202)).body.accepted[0] as string;
    const delivered = (id: string) => waitFor(`push of ${id}`, () => receiver.events().some((p) => p.body._id === id));
    const state = () => h.deps.outbox.drainState(sid);
    return { h, sid, receiver, post, delivered, state };
  }

  afterAll(async () => {
    for (const h of harnesses) await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('wakes the waiting drain for the next event: same job, no new one; releases the school when the wait ends', async () => {
    const { h, sid, post, delivered, state } = await setUp();
    await delivered(await post(1));
    const waiting = await waitFor('drain waiting', async () => {
      const s = await state();
      return s.phase === 'waiting' ? s : undefined;
    });
    expect(waiting.scheduled).toBe(true);
    const jobState = () => h.deps.scheduler.queue.getJobState(drainJobId(sid, waiting.epoch));
    expect(await jobState()).toBe('active');

    // The next events go to the waiting drain: the epoch (the job) stays the same.
    for (let i = 2; i <= 4; i++) {
      await delivered(await post(i));
      const s = await waitFor('drain waiting again', async () => {
        const now = await state();
        return now.phase === 'waiting' ? now : undefined;
      });
      expect(s.epoch).toBe(waiting.epoch);
    }
    const counts = await h.deps.scheduler.queue.getJobCounts('waiting', 'delayed', 'completed', 'active');
    expect(counts.active).toBe(1);
    expect((counts.waiting ?? 0) + (counts.delayed ?? 0)).toBe(0);

    // The wait ends (2 s by default) with the outbox empty: the school is released, the job done.
    const released = await waitFor('school released', async () => {
      const s = await state();
      return !s.scheduled && s.phase === 'idle' ? s : undefined;
    }, 10_000);
    expect(released.epoch).toBe(waiting.epoch);
    // Completed drain jobs are removed.
    await waitFor('job completed', async () => (await jobState()) === 'unknown');

    // The next event wakes the school with a new job.
    await delivered(await post(5));
    expect((await state()).epoch).toBe(waiting.epoch + 1);
    // How the waits ended, for the operator: three by an event, the last one by its timeout.
    const waits = await h.deps.metrics.registry.getSingleMetricAsString('classbell_drain_waits_total');
    expect(waits).toContain('classbell_drain_waits_total{end="event"} 3');
    expect(waits).toContain('classbell_drain_waits_total{end="timeout"} 1');
    // The three events came with their wake: handed over by the ingest, pushed without a fetch.
    const handoffs = await h.deps.metrics.registry.getSingleMetricAsString('classbell_drain_handoff_events_total');
    expect(handoffs).toContain('classbell_drain_handoff_events_total 3');
  });

  it('the ingest wakes the waiting drain at once: a 60 s wait would outlast the test', async () => {
    const { post, delivered, state } = await setUp({ DRAIN_LINGER_MS: '60000' });
    await delivered(await post(1));
    const { epoch } = await waitFor('drain waiting', async () => {
      const s = await state();
      return s.phase === 'waiting' ? s : undefined;
    });
    for (let i = 2; i <= 3; i++) {
      await delivered(await post(i));
      await waitFor('drain waiting again', async () => (await state()).phase === 'waiting');
    }
    expect((await state()).epoch).toBe(epoch);
  });

  it('a delete wakes the waiting drain: its job ends at once, not when the wait would', async () => {
    const { h, sid, post, delivered, state } = await setUp({ DRAIN_LINGER_MS: '60000' });
    await delivered(await post(1));
    const { epoch } = await waitFor('drain waiting', async () => {
      const s = await state();
      return s.phase === 'waiting' ? s : undefined;
    });
    const jobState = () => h.deps.scheduler.queue.getJobState(drainJobId(sid, epoch));
    expect(await jobState()).toBe('active');
    await request(h.app).delete(`/v1/schools/${sid}`).set(admin).expect(204);
    // Completed drain jobs are removed.
    await waitFor('job completed', async () => (await jobState()) === 'unknown');
  });

  it('shutdown ends every wait: the school is released and close() does not wait for the linger', async () => {
    const { h, post, delivered, state } = await setUp({ DRAIN_LINGER_MS: '60000' });
    await delivered(await post(1));
    await waitFor('drain waiting', async () => (await state()).phase === 'waiting');
    await h.workers!.close();
    h.workers = undefined;
    const s = await state();
    expect(s).toMatchObject({ scheduled: false, phase: 'idle' });
  });

  it('DRAIN_LINGER_MS=0 releases the school as soon as its outbox is empty', async () => {
    const { post, delivered, state } = await setUp({ DRAIN_LINGER_MS: '0' });
    await delivered(await post(1));
    const s = await waitFor('school released', async () => {
      const now = await state();
      return !now.scheduled ? now : undefined;
    });
    expect(s.phase).toBe('idle');
    await delivered(await post(2));
    expect((await state()).epoch).toBe(s.epoch + 1);
  });
});
