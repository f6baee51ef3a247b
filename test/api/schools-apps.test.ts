import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';

describe('apps and schools API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('schools', { workers: false });
  });
  afterAll(() => h.close());

  it('creates, lists, gets, rotates and deletes apps; the secret is shown only on creation', async () => {
    const created = await request(h.app).post('/v1/apps').set(admin).send({ name: 'ClassIn bridge', sids: [257] }).expect(201);
    expect(created.body).toMatchObject({ name: 'ClassIn bridge', sids: [257] });
    expect(created.body.appId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body.appSecret.length).toBeGreaterThanOrEqual(32);
    const got = await request(h.app).get(`/v1/apps/${created.body.appId}`).set(admin).expect(200);
    expect(got.body.appSecret).toBeUndefined();
    expect(JSON.stringify((await request(h.app).get('/v1/apps').set(admin).expect(200)).body)).not.toContain(created.body.appSecret);
    const rotated = await request(h.app).post(`/v1/apps/${created.body.appId}/rotate-secret`).set(admin).expect(200);
    const basic = (secret: string) => ({ Authorization: `Basic ${Buffer.from(`${created.body.appId}:${secret}`).toString('base64')}` });
    await createSchool(h.app, 257, 'http://127.0.0.1:9/x');
    await request(h.app).post('/v1/events').set(basic(created.body.appSecret)).send(handsUp(257, 1)).expect(401);
    await request(h.app).post('/v1/events').set(basic(rotated.body.appSecret)).send(handsUp(257, 1)).expect(202);
    await request(h.app).delete(`/v1/apps/${created.body.appId}`).set(admin).expect(204);
    await request(h.app).get(`/v1/apps/${created.body.appId}`).set(admin).expect(404);
    await request(h.app).post('/v1/events').set(basic(rotated.body.appSecret)).send(handsUp(257, 1)).expect(401);
  });

  it('validates app and school bodies with every problem and its path', async () => {
    const res = await request(h.app).post('/v1/apps').set(admin).send({ name: '', sids: [0, 'x'] }).expect(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['name']));
    const school = await request(h.app).post('/v1/schools').set(admin)
      .send({ sid: -1, name: 'x', endpointUrl: 'ftp://user:pw@example.com', subscriptions: ['hands_up', 'bogus'] }).expect(400);
    const paths = school.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['sid', 'endpointUrl', 'subscriptions[1]']));
    expect(JSON.stringify(school.body)).toMatch(/valid types: hands_up/);
  });

  it('a school secret is printable ASCII: anything else is a 400 naming the field (see test/unit/school-secret.test.ts)', async () => {
    for (const secret of ['geheimer-Schlüssel', 'secret\twith-tab', 'emoji-🔑-secret']) {
      const res = await request(h.app).post('/v1/schools').set(admin).send({ sid: 310, name: 'x', endpointUrl: 'http://127.0.0.1:9/x', secret }).expect(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'secret', message: expect.stringMatching(/printable ASCII/) })]);
    }
    await request(h.app).get('/v1/schools/310').set(admin).expect(404);
    const ok = await createSchool(h.app, 310, 'http://127.0.0.1:9/x', { secret: 'Printable ASCII: ~!@#$%^&*()_+{}|' });
    expect(ok.secret).toBe('Printable ASCII: ~!@#$%^&*()_+{}|');
  });

  it('registers a school once (409 on a second sid), shows secret and API key only then', async () => {
    const created = await createSchool(h.app, 300, 'http://127.0.0.1:9/x', { secret: 'my-own-secret-123' });
    expect(created).toMatchObject({ sid: 300, status: 'pending', secret: 'my-own-secret-123', subscriptions: '*' });
    expect(created.apiKey).toMatch(/^sk_/);
    const dup = await request(h.app).post('/v1/schools').set(admin).send({ sid: 300, name: 'again', endpointUrl: 'http://127.0.0.1:9/y' }).expect(409);
    expect(dup.body.error.code).toBe('school_exists');
    const got = await request(h.app).get('/v1/schools/300').set(admin).expect(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.body.apiKey).toBeUndefined();
    const patched = await request(h.app).patch('/v1/schools/300').set(admin).send({ name: 'Renamed', subscriptions: ['reward'] }).expect(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', subscriptions: ['reward'] });
    const rotated = await request(h.app).post('/v1/schools/300/rotate-secret').set(admin).expect(200);
    expect(rotated.body.secret).not.toBe('my-own-secret-123');
    await request(h.app).delete('/v1/schools/300').set(admin).expect(204);
    await request(h.app).get('/v1/schools/300').set(admin).expect(404);
  });

  it('a school API key sees its own school only: 403 for another sid, whether it exists or not', async () => {
    const a = await createSchool(h.app, 401, 'http://127.0.0.1:9/a');
    await createSchool(h.app, 402, 'http://127.0.0.1:9/b');
    const key = { Authorization: `Bearer ${a.apiKey}` };
    await request(h.app).get('/v1/schools/401').set(key).expect(200);
    await request(h.app).get('/v1/schools/401/stats').set(key).expect(200);
    await request(h.app).get('/v1/schools/402').set(key).expect(403);
    await request(h.app).get('/v1/schools/99999').set(key).expect(403);
    const list = await request(h.app).get('/v1/schools').set(key).expect(200);
    expect(list.body.items.map((s: { sid: number }) => s.sid)).toEqual([401]);
    await request(h.app).get('/v1/deliveries?sid=402').set(key).expect(403);
    await request(h.app).post('/v1/schools').set(key).send({ sid: 9, name: 'x', endpointUrl: 'http://127.0.0.1:9/' }).expect(403);
    await request(h.app).get('/v1/apps').set(key).expect(403);
    await request(h.app).get('/v1/schools').set({ Authorization: 'Bearer sk_wrong' }).expect(401);
    await request(h.app).get('/v1/schools').expect(401);
  });

  it('lists deliveries newest first with filters and stable cursor paging', async () => {
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 500, 'http://127.0.0.1:9/x');
    const events = Array.from({ length: 25 }, (_, i) => (i % 5 === 0 ? { type: 'reward', sid: 500, classId: 1, uid: 7, times: i + 1 } : handsUp(500, i)));
    const res = await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
    const ids = res.body.accepted as string[];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(h.app).get(`/v1/deliveries?sid=500&limit=7${cursor ? `&cursor=${cursor}` : ''}`).set(admin).expect(200);
      seen.push(...page.body.items.map((i: { eventId: string }) => i.eventId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const rewards = await request(h.app).get('/v1/deliveries?sid=500&type=reward').set(admin).expect(200);
    expect(rewards.body.items).toHaveLength(5);
    expect(rewards.body.items[0]).toMatchObject({ sid: 500, type: 'reward', cmd: 67375105, status: 'pending', attempts: 0, lastAttempt: null });
    const future = await request(h.app).get(`/v1/deliveries?since=${new Date(Date.now() + 60_000).toISOString()}`).set(admin).expect(200);
    expect(future.body.items).toEqual([]);
    const bad = await request(h.app).get('/v1/deliveries?status=weird&limit=0&cursor=zzz').set(admin).expect(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['status', 'limit', 'cursor']));
  });

  it('merges the school logs for the all-schools listing, newest first, with cursor paging', async () => {
    const { auth } = await createApp(h.app);
    const sids = [511, 512, 513];
    for (const sid of sids) await createSchool(h.app, sid, 'http://127.0.0.1:9/x');
    const since = new Date(Date.now() - 1).toISOString();
    // Four rounds, each a batch over all three schools; rounds are at least 2 ms apart.
    const rounds: string[][] = [];
    for (let r = 0; r < 4; r++) {
      const events = sids.flatMap((sid) => [handsUp(sid, r * 10), handsUp(sid, r * 10 + 1)]);
      rounds.push((await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202)).body.accepted as string[]);
      await new Promise((r) => setTimeout(r, 3));
    }
    const seen: { eventId: string; sid: number }[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(h.app).get(`/v1/deliveries?since=${since}&limit=5${cursor ? `&cursor=${cursor}` : ''}`).set(admin).expect(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = seen.map((i) => i.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(rounds.flat().sort());
    // A later round always comes first; within a school, newest first.
    const roundOf = new Map(rounds.flatMap((ids, r) => ids.map((id) => [id, r] as const)));
    const order = ids.map((id) => roundOf.get(id)!);
    expect(order).toEqual([...order].sort((a, b) => b - a));
    for (const sid of sids) {
      const mine = seen.filter((i) => i.sid === sid).map((i) => i.eventId);
      expect(mine).toEqual(rounds.flat().filter((id) => mine.includes(id)).reverse());
    }
  });

  it('answers health and readiness, and 404 as JSON for unknown routes', async () => {
    await request(h.app).get('/healthz').expect(200);
    await request(h.app).get('/readyz').expect(200);
    const res = await request(h.app).get('/v1/nothing-here').set(admin).expect(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
