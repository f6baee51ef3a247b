import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

interface Post {
  uids: number[];
  sentAt: number;
  answeredAt: number;
}

/**
 * What is wrong with a school's delivered order, judged from the posts alone (not from classbell's
 * own log): each post's events must arrive as one block in the posted order (a batch is stored by
 * one script), every posted event exactly once, and a post answered before another was sent must
 * come first. Concurrent posts may come in either order. Returns the problems (none: []).
 */
function deliveredBlocks(delivered: number[], posts: Post[]): string[] {
  const postOf = new Map(posts.flatMap((p) => p.uids.map((u) => [u, p] as const)));
  const order: Post[] = [];
  for (let i = 0; i < delivered.length;) {
    const post = postOf.get(delivered[i]!);
    if (!post) return [`UID ${delivered[i]} was never posted for this school`];
    const block = delivered.slice(i, i + post.uids.length);
    if (block.join() !== post.uids.join()) return [`at ${i}: got ${block.join()} where the post of ${post.uids.join()} was owed`];
    if (order.includes(post)) return [`the post of ${post.uids.join()} arrived twice`];
    order.push(post);
    i += post.uids.length;
  }
  const problems = posts.filter((p) => !order.includes(p)).map((p) => `the post of ${p.uids.join()} never arrived`);
  order.forEach((later, j) => order.slice(0, j).forEach((earlier) => {
    if (later.answeredAt < earlier.sentAt) problems.push(`the post of ${later.uids.join()} was answered before ${earlier.uids.join()} was sent, yet came after it`);
  }));
  return problems;
}

/**
 * Random interleavings of ingest (batches of random size, at random moments) with draining (tiny
 * batches and slices, so drains finish and restart constantly) and a flaky receiver. A lost
 * wake-up leaves events pending until a repair (counted: there must be none); a reordering shows as
 * delivered blocks out of the posted order.
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
    // A lost wake-up would be repaired by the reconciler (after 5–10 s) or a stale job: count the
    // repairs, which must never be needed.
    let repairs = 0;
    const warn = h.deps.logger.warn.bind(h.deps.logger);
    h.deps.logger.warn = ((message: unknown, ...rest: unknown[]) => {
      if (message === 'drain job missing for a scheduled school; adding it again') repairs++;
      return (warn as (...args: unknown[]) => unknown)(message, ...rest);
    }) as typeof h.deps.logger.warn;
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
        // Each post as the client saw it: when it was sent, when its 202 came, its events in order.
        const posts: { sid: number; uids: number[]; sentAt: number; answeredAt: number }[] = [];
        let uid = 1;
        // Fire all posts concurrently, each after its own pause, so they interleave with drains.
        await Promise.all(
          ops.map(async (o, k) => {
            await new Promise((r) => setTimeout(r, o.pauseMs * k));
            const sid = sids[o.school]!;
            const events = Array.from({ length: o.count }, () => ({ type: 'stage', sid, classId: 1, uid: uid++, up: true }));
            const sentAt = performance.now();
            const res = await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
            expect(res.body.accepted).toHaveLength(events.length);
            posts.push({ sid, uids: events.map((e) => e.uid), sentAt, answeredAt: performance.now() });
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
          const got = receiver.events().filter((p) => p.body.SID === sid).map((p) => p.body.UID as number);
          // Pushes may repeat the head (retries), never step back: collapsing repeats gives the order delivered.
          expect(deliveredBlocks(got.filter((u, i) => i === 0 || u !== got[i - 1]), posts.filter((p) => p.sid === sid))).toEqual([]);
        }
      }),
      { numRuns: 20 },
    );
    expect(repairs).toBe(0);
  }, 180_000);
});
