/**
 * DELETE /v1/schools/:sid is final (API.md "Schools", issue 13 point 2): from the moment it answers,
 * ingest for the sid is refused, nothing of the old school is pushed again, and a school created
 * later with the same sid starts empty — also when the delete stopped half-way (a crash), and
 * without ever reusing a drain job id of the old school.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainJobId } from '../../src/queue/jobs.js';
import type { DeleteStep } from '../../src/store/schools.js';
import { reconcileDeletes } from '../../workers/maintenance.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, keysUnder, waitFor, type Harness } from '../helpers/harness.js';

type Auth = { Authorization: string };

async function activeSchool(h: Harness, sid: number, url: string): Promise<void> {
  await createSchool(h.app, sid, url);
  await waitFor(`school ${sid} active`, async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
}

function post(h: Harness, auth: Auth, events: object[]) {
  return request(h.app).post('/v1/events').set(auth).send({ events });
}

/** What is left under the school's hash tag: only its drain state, holding only the epoch. */
async function leftovers(h: Harness, sid: number): Promise<{ keys: string[]; state: Record<string, string> }> {
  const keys = await keysUnder(h.deps.redis, h.deps.keys.tag(sid));
  return { keys, state: await h.deps.redis.hgetall(h.deps.keys.state(sid)) };
}

/** Delete/recreate cycles under load in the first describe. */
const CYCLES = 5;

describe('a school delete under concurrent ingest', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await createHarness('schooldel');
  });
  afterAll(async () => {
    await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  /** One cycle: a school with a backlog is deleted while two loops post to it, then created again. */
  async function cycle(sid: number, auth: Auth): Promise<{ inFlightAfter: number; refusedAfter: number; oldAfterRecreate: number }> {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    // Slow acknowledgements: the school always has a backlog while the delete runs.
    receiver.reply = () => ({ body: ACK, delayMs: 5 });
    await activeSchool(h, sid, receiver.url);
    const oldIds = new Set<string>();
    let deleteAnsweredAt = Infinity;
    let refusedAfter = 0;
    let acceptedAfter = 0;
    let stop = false;
    const ingest = async (loop: number) => {
      for (let round = 0; !stop; round++) {
        const startedAt = Date.now();
        const res = await post(h, auth, Array.from({ length: 20 }, (_, i) => handsUp(sid, loop * 1_000_000 + round * 20 + i)));
        if (res.status === 202) {
          for (const id of res.body.accepted as string[]) oldIds.add(id);
          if (startedAt > deleteAnsweredAt) acceptedAfter++;
        } else {
          expect(res.status).toBe(404);
          if (startedAt > deleteAnsweredAt) refusedAfter++;
        }
      }
    };
    const loops = [ingest(1), ingest(2)];
    await waitFor('a backlog', () => oldIds.size >= 200 && receiver.events().length >= 10);
    await request(h.app).delete(`/v1/schools/${sid}`).set(admin).expect(204);
    deleteAnsweredAt = Date.now();
    await waitFor('posts refused after the delete', () => refusedAfter >= 10);
    stop = true;
    await Promise.all(loops);
    expect(acceptedAfter).toBe(0);

    const left = await leftovers(h, sid);
    expect(left.keys).toEqual([h.deps.keys.state(sid)]);
    expect(Object.keys(left.state)).toEqual(['epoch']);
    await request(h.app).get(`/v1/schools/${sid}`).set(admin).expect(404);

    // The same sid again, on the same endpoint: empty, and only its own events arrive.
    const recreatedAt = Date.now();
    await activeSchool(h, sid, receiver.url);
    const stats = (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body;
    expect(stats).toMatchObject({ backlog: 0, delivered: 0, failedAttempts: 0 });
    const fresh = (await post(h, auth, [handsUp(sid, 1), handsUp(sid, 2)]).expect(202)).body.accepted as string[];
    const newIds = new Set(fresh);
    await waitFor('the new school\'s events delivered', () => fresh.every((id) => receiver.events().some((p) => p.body._id === id)));
    const afterDelete = receiver.events().filter((p) => p.at > deleteAnsweredAt);
    // At most the one push that was already in flight when DELETE answered (strict order: one per school).
    const oldAfter = afterDelete.filter((p) => !newIds.has(p.body._id as string));
    expect(oldAfter.length).toBeLessThanOrEqual(1);
    for (const p of oldAfter) expect(oldIds.has(p.body._id as string)).toBe(true);
    expect(afterDelete.filter((p) => newIds.has(p.body._id as string)).map((p) => p.body._id)).toEqual(fresh);
    const oldAfterRecreate = receiver.events().filter((p) => p.at >= recreatedAt && oldIds.has(p.body._id as string)).length;
    expect(oldAfterRecreate).toBe(0);
    await request(h.app).delete(`/v1/schools/${sid}`).set(admin).expect(204);
    return { inFlightAfter: oldAfter.length, refusedAfter, oldAfterRecreate };
  }

  it(`refuses the sid once DELETE answers, pushes nothing old again, and the same sid starts empty (${CYCLES} cycles)`, async () => {
    const { auth } = await createApp(h.app);
    let inFlight = 0;
    let refused = 0;
    let oldAfterRecreate = 0;
    for (let i = 0; i < CYCLES; i++) {
      const result = await cycle(8801, auth);
      inFlight += result.inFlightAfter;
      refused += result.refusedAfter;
      oldAfterRecreate += result.oldAfterRecreate;
    }
    console.log(`school delete/recreate under load: ${CYCLES} cycles, ${refused} posts refused (404) after DELETE answered, 0 accepted; ` +
      `old events pushed after the recreate: ${oldAfterRecreate}; pushes already in flight when DELETE answered: ${inFlight}`);
  });
});

describe('a school delete stopped half-way (as by a crash)', () => {
  let h: Harness;
  let receiver: Receiver;
  let auth: Auth;
  beforeAll(async () => {
    h = await createHarness('schooldelcrash');
    receiver = await new Receiver().start();
    auth = (await createApp(h.app)).auth;
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  const steps: DeleteStep[] = ['listed', 'marked', 'unindexed', 'unlinked'];
  for (const [i, step] of steps.entries()) {
    for (const finisher of ['the reconciler', 'a create of the same sid'] as const) {
      it(`after "${step}", ${finisher} finishes it and the sid starts empty`, async () => {
        const sid = 8810 + i * 2 + (finisher === 'the reconciler' ? 0 : 1);
        await activeSchool(h, sid, receiver.url);
        // Queued events that must never be pushed: the school is paused.
        await request(h.app).post(`/v1/schools/${sid}/pause`).set(admin).expect(200);
        const old = (await post(h, auth, [handsUp(sid, 1), handsUp(sid, 2), handsUp(sid, 3)]).expect(202)).body.accepted as string[];
        const crash = new Error(`stopped after ${step}`);
        await expect(h.deps.schools.delete(sid, (at) => { if (at === step) throw crash; })).rejects.toBe(crash);
        // Once marked, the school is gone for the API, though its keys are still there.
        if (step !== 'listed') {
          await post(h, auth, [handsUp(sid, 4)]).expect(404);
          await request(h.app).get(`/v1/schools/${sid}`).set(admin).expect(404);
          await request(h.app).post(`/v1/schools/${sid}/resume`).set(admin).expect(404);
        }
        if (finisher === 'the reconciler') {
          expect(await reconcileDeletes(h.deps, Date.now())).toBe(0); // too recent: maybe still running
          expect(await reconcileDeletes(h.deps, Date.now() + 60_000)).toBe(1);
          await post(h, auth, [handsUp(sid, 5)]).expect(404);
          const left = await leftovers(h, sid);
          expect(left.keys).toEqual([h.deps.keys.state(sid)]);
          expect(Object.keys(left.state)).toEqual(['epoch']);
        }
        await activeSchool(h, sid, receiver.url);
        expect((await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body).toMatchObject({ backlog: 0, delivered: 0 });
        const fresh = (await post(h, auth, [handsUp(sid, 6)]).expect(202)).body.accepted as string[];
        await waitFor('the new event delivered', () => receiver.events().some((p) => p.body._id === fresh[0]));
        const pushed = receiver.events().filter((p) => p.body.SID === sid).map((p) => p.body._id);
        expect(pushed).toEqual(fresh);
        expect(pushed.some((id) => old.includes(id as string))).toBe(false);
        expect(await h.deps.redis.zscore(h.deps.keys.schoolsDeleting, String(sid))).toBeNull();
      });
    }
  }
});

describe('a school deleted while its retry job waits, created again with the same sid', () => {
  let h: Harness;
  let failing: Receiver;
  let good: Receiver;
  beforeAll(async () => {
    // A long retry delay keeps the old school's delayed drain job in BullMQ during the test.
    h = await createHarness('schooldelepoch', { env: { RETRY_SCHEDULE: '60s' } });
    failing = await new Receiver().start();
    good = await new Receiver().start();
  });
  afterAll(async () => {
    await h.close();
    await failing.stop();
    await good.stop();
  });

  it('drains the new school at once: its drain job ids never repeat the old school\'s', async () => {
    const sid = 8830;
    const { auth } = await createApp(h.app);
    failing.reply = (p) => (p.body.Cmd === 'Test' ? { body: ACK } : { status: 500, body: 'down' });
    await activeSchool(h, sid, failing.url);
    await post(h, auth, [handsUp(sid, 1)]).expect(202);
    const waiting = await waitFor('the head waits for its retry', async () => {
      const state = await h.deps.outbox.drainState(sid);
      return state.phase === 'retry_wait' ? state : undefined;
    });
    expect(await h.deps.scheduler.queue.getJobState(drainJobId(sid, waiting.epoch))).toBe('delayed');
    await request(h.app).delete(`/v1/schools/${sid}`).set(admin).expect(204);

    await activeSchool(h, sid, good.url);
    const fresh = (await post(h, auth, [handsUp(sid, 2), handsUp(sid, 3)]).expect(202)).body.accepted as string[];
    await waitFor('the new school\'s events delivered', () => good.events().length === 2, 10_000);
    expect(good.events().map((p) => p.body._id)).toEqual(fresh);
    expect((await h.deps.outbox.drainState(sid)).epoch).toBeGreaterThan(waiting.epoch);
    // The old delayed job is still there, and stale: when it runs it pushes nothing.
    expect(await h.deps.scheduler.queue.getJobState(drainJobId(sid, waiting.epoch))).toBe('delayed');
  });
});
