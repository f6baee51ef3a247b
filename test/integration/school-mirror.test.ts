/**
 * The ingest reads a school in one command: its drain state mirrors the school's status (`hold`)
 * and subscriptions (`subs`). These tests change both through the API and check that the ingest
 * follows every change, and that a school registered before the mirror existed is still read
 * from its own hash.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';

describe('the ingest mirror of a school', () => {
  let h: Harness;
  let auth: { Authorization: string };

  beforeAll(async () => {
    h = await createHarness('mirror', { workers: false }); // no verification job racing the tests' writes
    ({ auth } = await createApp(h.app));
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (sid: number, i: number) => request(h.app).post('/v1/events').set(auth).send({ id: `m-${sid}-${i}`, ...handsUp(sid, i) });
  const status = async (sid: number, i: number) => (await h.deps.redis.hget(h.deps.keys.event(sid, `m-${sid}-${i}`), 'st')) ?? 'queued';

  it('follows subscription changes and pause / resume', async () => {
    await createSchool(h.app, 801, 'http://127.0.0.1:9/x', { subscriptions: ['reward'] });
    expect(await h.deps.redis.hmget(h.deps.keys.state(801), 'hold', 'subs')).toEqual(['1', ',reward,']);
    await post(801, 1).expect(202);
    expect(await status(801, 1)).toBe('unsubscribed');

    await request(h.app).patch('/v1/schools/801').set(admin).send({ subscriptions: '*' }).expect(200);
    await post(801, 2).expect(202);
    expect(await status(801, 2)).toBe('queued');
    expect(await h.deps.redis.lrange(h.deps.keys.outbox(801), 0, -1)).toEqual(['m-801-2']);

    await request(h.app).patch('/v1/schools/801').set(admin).send({ subscriptions: ['reward'] }).expect(200);
    await post(801, 3).expect(202);
    expect(await status(801, 3)).toBe('unsubscribed');

    // Verified (the worker-less harness does it by hand): active, so the ingest wakes a drain.
    const verifyId = (await h.deps.redis.hget(h.deps.keys.school(801), 'verifyId')) ?? '';
    expect((await h.deps.schools.changeStatus(801, 'verified', verifyId)).kind).toBe('ok');
    expect(await h.deps.redis.hmget(h.deps.keys.state(801), 'hold', 'subs')).toEqual(['0', ',reward,']);
    await request(h.app).post('/v1/schools/801/pause').set(admin).expect(200);
    expect(await h.deps.redis.hget(h.deps.keys.state(801), 'hold')).toBe('1');
  });

  it('reads a school without the mirror from its own hash', async () => {
    await createSchool(h.app, 802, 'http://127.0.0.1:9/y', { subscriptions: ['reward'] });
    await h.deps.redis.hdel(h.deps.keys.state(802), 'hold', 'subs'); // as registered before the mirror
    await post(802, 1).expect(202);
    expect(await status(802, 1)).toBe('unsubscribed');
    await h.deps.redis.hset(h.deps.keys.school(802), 'subs', '*');
    await post(802, 2).expect(202);
    expect(await status(802, 2)).toBe('queued');
  });

  it('answers 404 for a school that does not exist', async () => {
    await post(899, 1).expect(404);
  });
});
