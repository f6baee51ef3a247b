import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createHarness, createSchool, handsUp, keysUnder, type Harness } from '../helpers/harness.js';

/** Counts every key under the harness prefix: proof that a rejected request wrote nothing. */
/**
 * Every key under the harness's prefix with its serialized value: what "stores nothing" compares
 * (rate-limit counters aside: a refused post still counts against its app's limit).
 */
async function snapshot(h: Harness): Promise<Map<string, string | null>> {
  const keys = (await keysUnder(h.deps.redis, h.prefix)).filter((key) => !key.includes(':rl:'));
  const values = await Promise.all(keys.map(async (key) => (await h.deps.redis.dumpBuffer(key))?.toString('base64') ?? null));
  return new Map(keys.map((key, i) => [key, values[i]!]));
}

describe('POST /v1/events', () => {
  let h: Harness;
  let auth: { Authorization: string };
  beforeAll(async () => {
    h = await createHarness('ingest', { workers: false });
    ({ auth } = await createApp(h.app));
    await createSchool(h.app, 257, 'http://127.0.0.1:9/none');
    await createSchool(h.app, 258, 'http://127.0.0.1:9/none');
  });
  afterAll(() => h.close());

  it('accepts one event and answers 202 with its assigned id', async () => {
    const res = await request(h.app).post('/v1/events').set(auth).send(handsUp(257, 1)).expect(202);
    expect(res.body.accepted).toHaveLength(1);
    expect(res.body.accepted[0]).toMatch(/^ev_257_/);
    expect(res.body.duplicates).toEqual([]);
    const stored = await request(h.app).get(`/v1/events/${res.body.accepted[0]}`).set(admin).expect(200);
    expect(stored.body.status).toBe('pending');
    expect(stored.body.wire).toMatchObject({ SID: 257, Cmd: 67375105, ClassID: 51345, Color: 'hands up1001', Handsup: true, _id: res.body.accepted[0] });
  });

  it('is idempotent on id per app: a repeated id is reported as a duplicate and stored once', async () => {
    const first = await request(h.app).post('/v1/events').set(auth).send({ ...handsUp(257, 2), id: 'evt-abc-1' }).expect(202);
    expect(first.body).toEqual({ accepted: ['evt-abc-1'], duplicates: [] });
    const again = await request(h.app)
      .post('/v1/events').set(auth)
      .send({ events: [{ ...handsUp(257, 2), id: 'evt-abc-1' }, { ...handsUp(257, 3), id: 'evt-abc-2' }, { ...handsUp(257, 3), id: 'evt-abc-2' }] })
      .expect(202);
    expect(again.body).toEqual({ accepted: ['evt-abc-2'], duplicates: ['evt-abc-1', 'evt-abc-2'] });
    const stats = await request(h.app).get('/v1/schools/257/stats').set(admin).expect(200);
    const log = await request(h.app).get('/v1/deliveries?sid=257&limit=500').set(admin).expect(200);
    expect(log.body.items.filter((i: { eventId: string }) => i.eventId.startsWith('evt-abc'))).toHaveLength(2);
    expect(stats.body.backlog).toBe(log.body.items.length);
  });

  it('answers 409 when another app already used the id', async () => {
    const other = await createApp(h.app);
    await request(h.app).post('/v1/events').set(auth).send({ ...handsUp(257, 2), id: 'shared-id' }).expect(202);
    const res = await request(h.app).post('/v1/events').set(other.auth).send({ ...handsUp(257, 2), id: 'shared-id' }).expect(409);
    expect(res.body.error.code).toBe('id_taken');
  });

  it('rejects a batch with any invalid event: 400 lists every problem with its path and stores nothing', async () => {
    const before = await snapshot(h);
    const events = [handsUp(257, 1), { ...handsUp(257, 2), uid: 'x' }, handsUp(257, 3), { ...handsUp(258, 4), up: undefined, extra: 1 }, { type: 'nope', sid: 257 }];
    const res = await request(h.app).post('/v1/events').set(auth).send({ events }).expect(400);
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['events[1].uid', 'events[3].up', 'events[3].extra', 'events[4].type']));
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.requestId).toBeTruthy();
    expect(await snapshot(h)).toEqual(before);
  });

  it('rejects more than 500 events, bodies over 1 MiB (413) and malformed JSON', async () => {
    const many = Array.from({ length: 501 }, (_, i) => handsUp(257, i));
    const tooMany = await request(h.app).post('/v1/events').set(auth).send({ events: many }).expect(400);
    expect(tooMany.body.error.details[0].path).toBe('events');
    const huge = { ...handsUp(257, 1), padding: 'x'.repeat(1024 * 1024) };
    const tooBig = await request(h.app).post('/v1/events').set(auth).send(huge).expect(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    const bad = await request(h.app).post('/v1/events').set(auth).set('content-type', 'application/json').send('{"type":').expect(400);
    expect(bad.body.error.code).toBe('invalid_json');
  });

  it('answers 404 for an unknown school and 403 for a school the app may not post for, storing nothing', async () => {
    const limited = await createApp(h.app, [258]);
    const before = await snapshot(h);
    const unknown = await request(h.app).post('/v1/events').set(auth).send({ events: [handsUp(257, 1), handsUp(999, 1)] }).expect(404);
    expect(unknown.body.error.message).toMatch(/999/);
    await request(h.app).post('/v1/events').set(limited.auth).send({ events: [handsUp(258, 1), handsUp(257, 1)] }).expect(403);
    // Neither batch stored anything, not even its events for the schools that exist and are served.
    expect(await snapshot(h)).toEqual(before);
    // An app with exactly one school may leave sid out.
    const { sid: _omit, ...noSid } = handsUp(258, 1);
    const res = await request(h.app).post('/v1/events').set(limited.auth).send(noSid).expect(202);
    expect(res.body.accepted[0]).toMatch(/^ev_258_/);
    const many = await request(h.app).post('/v1/events').set(auth).send(noSid).expect(400);
    expect(many.body.error.details[0].path).toBe('sid');
  });

  it('requires app credentials: 401 without or with a wrong secret, 403 for admin or school keys', async () => {
    await request(h.app).post('/v1/events').send(handsUp(257, 1)).expect(401);
    const { appId } = await createApp(h.app);
    const wrong = { Authorization: `Basic ${Buffer.from(`${appId}:nope`).toString('base64')}` };
    await request(h.app).post('/v1/events').set(wrong).send(handsUp(257, 1)).expect(401);
    await request(h.app).post('/v1/events').set(admin).send(handsUp(257, 1)).expect(403);
  });
});
