import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASH_LISTPACK_VALUE, tuneRedis } from '../../src/lib/redis-tuning.js';
import { createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';

describe('Redis tuning', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('tuning', { workers: false });
  });
  afterAll(() => h.close());

  it('keeps event records compact (listpack) once hash-max-listpack-value is raised', async () => {
    await tuneRedis(h.deps.redis, h.deps.logger, true);
    const [, value] = (await h.deps.redis.config('GET', 'hash-max-listpack-value')) as [string, string];
    expect(Number(value)).toBeGreaterThanOrEqual(HASH_LISTPACK_VALUE);
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 257, 'http://127.0.0.1:9/x');
    const res = await request(h.app).post('/v1/events').set(auth).send({ ...handsUp(257, 1), id: 'a-fairly-long-client-chosen-event-id-0001' }).expect(202);
    const key = h.deps.keys.event(257, res.body.accepted[0]);
    expect((await h.deps.redis.hget(key, 'ev'))!.length).toBeGreaterThan(64); // would be a hashtable by default
    expect(await h.deps.redis.object('ENCODING', key)).toBe('listpack');
  });
});
