import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';

describe('rate limits (Redis-backed, shared by API processes)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('ratelimit', { workers: false, env: { INGEST_RATE_LIMIT_PER_S: '50', AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_S: '60' } });
    await createSchool(h.app, 257, 'http://127.0.0.1:9/x');
  });
  afterAll(() => h.close());

  it('limits ingest per app per second, with 429 and Retry-After, across two API instances', async () => {
    const { auth } = await createApp(h.app);
    const other = buildApp(h.deps); // a second API process on the same Redis
    const batch = (n: number) => ({ events: Array.from({ length: n }, (_, i) => handsUp(257, i)) });
    // Align to the start of a second so both requests fall in one window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    await request(h.app).post('/v1/events').set(auth).send(batch(30)).expect(202);
    const limited = await request(other).post('/v1/events').set(auth).send(batch(30)).expect(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another app has its own budget.
    const second = await createApp(h.app);
    await request(other).post('/v1/events').set(second.auth).send(batch(30)).expect(202);
  });

  it('answers 429 to an IP after too many failed authentications, even with a good credential then', async () => {
    const { auth } = await createApp(h.app);
    await new Promise((r) => setTimeout(r, 1000)); // a fresh ingest window
    await request(h.app).post('/v1/events').set(auth).send(handsUp(257, 1)).expect(202); // proven good: cached
    const bad = { Authorization: 'Bearer wrong-token-xxxxxxxx' };
    for (let i = 0; i < 5; i++) await request(h.app).get('/v1/schools').set(bad).expect(401);
    const blocked = await request(h.app).get('/v1/schools').set(bad).expect(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    await request(buildApp(h.deps)).get('/v1/schools').set({ Authorization: 'Basic eDp5' }).expect(429);
    // A credential already proven good (cached app login) is not held back by others' failures.
    await request(h.app).post('/v1/events').set(auth).send(handsUp(257, 2)).expect(202);
  });
});
