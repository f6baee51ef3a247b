/**
 * A drain job lost between a state change and adding the job (issue 13 point 4) is added again on
 * the spot by the next stale job of the school (what a crashed worker's stalled job becomes), and
 * by the reconciler for a school whose job went missing otherwise; a retry keeps what is left of its
 * delay. No path waits for the reconciler's own 30 s of old.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainJobId } from '../../src/queue/jobs.js';
import { RECONCILE_AFTER_MS, reconcileDrains } from '../../workers/maintenance.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

describe('drain jobs lost between a state change and adding them', () => {
  let h: Harness;
  let receiver: Receiver;
  let auth: { Authorization: string };
  beforeAll(async () => {
    // A retry delay long enough to see that a re-added retry keeps it.
    h = await createHarness('drainrecovery', { env: { RETRY_SCHEDULE: '4s' } });
    receiver = await new Receiver().start();
    auth = (await createApp(h.app)).auth;
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  /** A school whose first event failed once: its head waits for the retry job of the returned epoch. */
  async function headInRetry(sid: number): Promise<{ epoch: number; ids: string[] }> {
    let failed = false;
    receiver.reply = (p) => {
      if (p.body.SID === sid && p.body.Cmd !== 'Test' && !failed) {
        failed = true;
        return { status: 500, body: 'once' };
      }
      return { body: ACK };
    };
    await createSchool(h.app, sid, receiver.url);
    await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    const ids = (await request(h.app).post('/v1/events').set(auth).send({ events: [handsUp(sid, 1), handsUp(sid, 2)] }).expect(202)).body.accepted as string[];
    const state = await waitFor('retry_wait', async () => {
      const s = await h.deps.outbox.drainState(sid);
      return s.phase === 'retry_wait' && (await h.deps.scheduler.drainJobExists(sid, s.epoch)) ? s : undefined;
    });
    // The worker that recorded the failure "died" before adding the retry job.
    await h.deps.scheduler.queue.remove(drainJobId(sid, state.epoch));
    expect(await h.deps.scheduler.drainJobExists(sid, state.epoch)).toBe(false);
    return { epoch: state.epoch, ids };
  }

  const pushedIds = (sid: number) => receiver.events().filter((p) => p.body.SID === sid).map((p) => p.body._id as string);

  it('a stale job of the school (its crashed worker\'s job, run again) adds the current one with the rest of its delay', async () => {
    const sid = 8901;
    const { epoch, ids } = await headInRetry(sid);
    // BullMQ runs the crashed worker's job again: its epoch is one behind.
    await h.deps.scheduler.drain(sid, epoch - 1);
    await waitFor('the retry job re-added', () => h.deps.scheduler.drainJobExists(sid, epoch));
    expect(await h.deps.scheduler.queue.getJobState(drainJobId(sid, epoch))).toBe('delayed');
    await waitFor('both delivered in order', () => pushedIds(sid).length === 3, 15_000);
    expect(pushedIds(sid)).toEqual([ids[0], ids[0], ids[1]]);
  });

  it('the reconciler adds a missing job once the state is RECONCILE_AFTER_MS old', async () => {
    const sid = 8902;
    const { epoch, ids } = await headInRetry(sid);
    expect(await reconcileDrains(h.deps, Date.now())).toBe(0); // too recent: its adder may be on its way
    expect(await reconcileDrains(h.deps, Date.now() + RECONCILE_AFTER_MS + 1)).toBe(1);
    expect(await h.deps.scheduler.drainJobExists(sid, epoch)).toBe(true);
    expect(await reconcileDrains(h.deps, Date.now() + RECONCILE_AFTER_MS + 1)).toBe(0); // it exists now
    await waitFor('both delivered in order', () => pushedIds(sid).length === 3, 15_000);
    expect(pushedIds(sid)).toEqual([ids[0], ids[0], ids[1]]);
  });
});
