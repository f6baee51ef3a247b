import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masters } from '../../src/lib/redis.js';
import { HASH_LISTPACK_VALUE, tuneRedis } from '../../src/lib/redis-tuning.js';
import { createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';

const SETTING = 'hash-max-listpack-value';

describe('Redis tuning', () => {
  let h: Harness;
  /** The shared Redis's own setting on each master, put back afterwards. */
  let saved: string[] = [];
  const setting = async () => Promise.all(masters(h.deps.redis).map(async (node) => ((await node.config('GET', SETTING)) as [string, string])[1]));
  beforeAll(async () => {
    h = await createHarness('tuning', { workers: false });
    saved = await setting();
  });
  afterAll(async () => {
    await Promise.all(masters(h.deps.redis).map((node, i) => node.config('SET', SETTING, saved[i]!)));
    await h.close();
  });

  it('keeps event records compact (listpack) once hash-max-listpack-value is raised', async () => {
    // From Redis's default, so the raise is this test's doing.
    await Promise.all(masters(h.deps.redis).map((node) => node.config('SET', SETTING, '64')));
    await tuneRedis(h.deps.redis, h.deps.logger, true);
    for (const value of await setting()) expect(Number(value)).toBe(HASH_LISTPACK_VALUE);
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 257, 'http://127.0.0.1:9/x');
    const res = await request(h.app).post('/v1/events').set(auth).send({ ...handsUp(257, 1), id: 'a-fairly-long-client-chosen-event-id-0001' }).expect(202);
    const key = h.deps.keys.event(257, res.body.accepted[0]);
    expect((await h.deps.redis.hget(key, 'ev'))!.length).toBeGreaterThan(64); // would be a hashtable by default
    expect(await h.deps.redis.object('ENCODING', key)).toBe('listpack');
  });
});
