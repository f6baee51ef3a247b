import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

/**
 * Random interleavings of ingest (batches of random size, at random moments) with draining (tiny
 * batches and slices, so drains finish and restart constantly) and a flaky receiver. A lost
 * wake-up leaves events pending (the reconciler would only repair it after 30 s, far beyond the
 * wait here); a reordering shows as a UID going backwards at the receiver.
 */
describe('property: concurrent ingest and draining', () => {
  let h: Harness;
  let auth: { Authorization: string };
  let receiver: Receiver;
  let failRate = 0;
  let nextSid = 5000;
  beforeAll(async () => {
    h = await createHarness('prop', { env: { DRAIN_BATCH: '2', DRAIN_SLICE_MS: '10', RETRY_SCHEDULE: '5ms,10ms' } });
    ({ auth } = await createApp(h.app));
    receiver = await new Receiver().start();
    receiver.reply = (p) => (p.body.Cmd !== 'Test' && Math.random() < failRate ? { status: 500, body: 'flaky' } : { body: ACK });
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it('never loses a wake-up and never reorders', async () => {
    const op = fc.record({ school: fc.integer({ min: 0, max: 2 }), count: fc.integer({ min: 1, max: 6 }), pauseMs: fc.integer({ min: 0, max: 8 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), fc.double({ min: 0, max: 0.3, noNaN: true }), async (ops, rate) => {
        failRate = rate;
        const sids = [nextSid++, nextSid++, nextSid++];
        for (const sid of sids) await createSchool(h.app, sid, receiver.url);
        await waitFor('active', async () => {
          const items = (await request(h.app).get('/v1/schools').set(admin)).body.items as { sid: number; status: string }[];
          return sids.every((sid) => items.some((s) => s.sid === sid && s.status === 'active'));
        });
        const uidOf = new Map<string, number>();
        let uid = 1;
        // Fire all posts concurrently, each after its own pause, so they interleave with drains.
        await Promise.all(
          ops.map(async (o, k) => {
            await new Promise((r) => setTimeout(r, o.pauseMs * k));
            const sid = sids[o.school]!;
            const events = Array.from({ length: o.count }, () => ({ type: 'stage', sid, classId: 1, uid: uid++, up: true }));
            const res = await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
            (res.body.accepted as string[]).forEach((id, i) => uidOf.set(id, events[i]!.uid));
          }),
        );
        const total = ops.reduce((n, o) => n + o.count, 0);
        const acked = async () => {
          let n = 0;
          for (const sid of sids) n += (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.delivered as number;
          return n;
        };
        await waitFor(`${total} acknowledged`, async () => (await acked()) === total, 10_000);
        for (const sid of sids) {
          // The order classbell accepted the events in (the log, newest first) is the order owed.
          const log = (await request(h.app).get(`/v1/deliveries?sid=${sid}&limit=500`).set(admin)).body.items as { eventId: string }[];
          const owed = log.map((i) => uidOf.get(i.eventId)!).reverse();
          const got = receiver.events().filter((p) => p.body.SID === sid).map((p) => p.body.UID as number);
          // Pushes may repeat the head (retries), never step back: collapsing repeats gives the owed order.
          const collapsed = got.filter((u, i) => i === 0 || u !== got[i - 1]);
          expect(collapsed).toEqual(owed);
        }
      }),
      { numRuns: 20 },
    );
  }, 180_000);
});
