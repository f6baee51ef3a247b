import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

/** Everything a school can do with its own API key, and nothing of another school. */
describe('school self-service', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await createHarness('selfservice');
  });
  afterAll(async () => {
    await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('reads its stats, deliveries and events, re-verifies, moves its endpoint, rotates its secret and replays', async () => {
    const [first, second, other] = await Promise.all([new Receiver().start(), new Receiver().start(), new Receiver().start()]);
    receivers.push(first, second, other);
    for (const r of receivers) r.reply = () => ({ body: ACK });
    const { auth } = await createApp(h.app);
    const mine = await createSchool(h.app, 810, first.url);
    await createSchool(h.app, 811, other.url);
    const key = { Authorization: `Bearer ${mine.apiKey}` };
    await waitFor('both active', async () => (await request(h.app).get('/v1/schools').set(admin)).body.items.every((s: { status: string }) => s.status === 'active'));
    const posted = await request(h.app).post('/v1/events').set(auth).send({ events: [handsUp(810, 1), handsUp(810, 2), handsUp(811, 3)] }).expect(202);
    const [a, b, theirs] = posted.body.accepted as string[];
    await waitFor('delivered', () => first.events().length === 2 && other.events().length === 1);

    expect((await request(h.app).get('/v1/schools/810/stats').set(key).expect(200)).body.delivered).toBe(2);
    const log = await request(h.app).get('/v1/deliveries').set(key).expect(200);
    expect(log.body.items.map((i: { eventId: string }) => i.eventId).sort()).toEqual([a, b].sort());
    expect((await request(h.app).get(`/v1/events/${a}`).set(key).expect(200)).body.status).toBe('delivered');
    // Another school's event is not found, not forbidden: its existence is not revealed.
    await request(h.app).get(`/v1/events/${theirs}`).set(key).expect(404);
    await request(h.app).post(`/v1/events/${theirs}/redeliver`).set(key).expect(404);

    await request(h.app).post('/v1/schools/810/verify').set(key).expect(202);
    await waitFor('re-verified', async () => (await request(h.app).get('/v1/schools/810').set(key)).body.status === 'active');

    // A new endpoint is verified before anything goes there.
    const moved = await request(h.app).patch('/v1/schools/810').set(key).send({ endpointUrl: second.url }).expect(200);
    expect(moved.body.status).toBe('pending');
    await waitFor('moved and verified', () => second.pushes.some((p) => p.body.Cmd === 'Test'));
    await waitFor('active at the new endpoint', async () => (await request(h.app).get('/v1/schools/810').set(key)).body.status === 'active');

    const rotated = (await request(h.app).post('/v1/schools/810/rotate-secret').set(key).expect(200)).body.secret as string;
    const replay = await request(h.app).post('/v1/schools/810/replay').set(key).send({ since: new Date(Date.now() - 60_000).toISOString() }).expect(202);
    expect(replay.body.requeued).toBe(2);
    await waitFor('replayed to the new endpoint', () => second.events().length === 2);
    for (const push of second.events()) {
      expect(push.body.SafeKey).toBe(createHash('md5').update(`${rotated}${push.body.TimeStamp as number}`).digest('hex'));
    }
    expect(other.events()).toHaveLength(1); // nothing of school 810 went to 811
  });
});
