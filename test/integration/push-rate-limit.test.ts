/**
 * maxPushesPerS (issue 18 point 2): at most that many pushes reach the school's endpoint in any
 * one-second window, retries and the test push included, in order, across two worker processes.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classbellEnv, killHard, spawnClassbell, type Proc } from '../chaos/support.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { REDIS_URL, admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

/** The most pushes that arrived within any one second (a window starting at each arrival). */
function busiestSecond(arrivals: number[]): number {
  const at = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < at.length; start++) {
    while (end < at.length && at[end]! < at[start]! + 1000) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

describe('maxPushesPerS', () => {
  let h: Harness;
  let receiver: Receiver;
  const workers: Proc[] = [];
  beforeAll(async () => {
    h = await createHarness('pushlimit', { workers: false });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await Promise.all(workers.map(killHard));
    await h.close();
    await receiver.stop();
  });

  it('is validated, shown in the view and the stats, and cleared with null', async () => {
    const bad = await request(h.app).post('/v1/schools').set(admin).send({ sid: 8901, name: 'x', endpointUrl: receiver.url, maxPushesPerS: 0 }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('maxPushesPerS');
    await request(h.app).post('/v1/schools').set(admin).send({ sid: 8901, name: 'x', endpointUrl: receiver.url, maxPushesPerS: 2.5 }).expect(400);
    const created = await createSchool(h.app, 8901, receiver.url, { maxPushesPerS: 7 });
    expect((created as unknown as { maxPushesPerS: number }).maxPushesPerS).toBe(7);
    expect((await request(h.app).get('/v1/schools/8901/stats').set(admin).expect(200)).body).toMatchObject({ maxPushesPerS: 7, pushesLastSecond: 0 });
    const patched = await request(h.app).patch('/v1/schools/8901').set(admin).send({ maxPushesPerS: null }).expect(200);
    expect(patched.body.maxPushesPerS).toBeNull();
    expect((await request(h.app).get('/v1/schools/8901/stats').set(admin).expect(200)).body).toMatchObject({ maxPushesPerS: null, pushesLastSecond: null });
    expect((await request(h.app).patch('/v1/schools/8901').set(admin).send({ maxPushesPerS: 12 }).expect(200)).body.maxPushesPerS).toBe(12);
  });

  it('limit 20, 200 events, two worker processes: never more than 20 pushes in any second, all in order', async () => {
    const sid = 8902;
    const LIMIT = 20;
    // Every 25th push fails once (HTTP 500): its retry counts against the limit too.
    receiver.reply = (p, i) => (p.body.Cmd !== 'Test' && i % 25 === 10 ? { status: 500, body: 'later' } : { body: ACK });
    const env = classbellEnv(h.prefix, REDIS_URL);
    workers.push(spawnClassbell('worker', env), spawnClassbell('worker', env));
    await createSchool(h.app, sid, receiver.url, { maxPushesPerS: LIMIT });
    await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active', 20_000);
    const { auth } = await createApp(h.app, [sid]);
    const events = Array.from({ length: 200 }, (_, i) => ({ type: 'stage', sid, classId: 1, uid: i + 1, up: true }));
    await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
    await waitFor('all delivered', async () => (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.delivered === 200, 60_000);

    const pushes = receiver.events().filter((p) => p.body.SID === sid || p.body.Cmd === 'Test');
    const uids = pushes.filter((p) => p.body.Cmd !== 'Test').map((p) => p.body.UID as number);
    const firstSeen = [...new Set(uids)];
    expect(firstSeen).toEqual(events.map((e) => e.uid));
    expect(uids.findIndex((u, i) => i > 0 && u < uids[i - 1]!)).toBe(-1);
    const retries = uids.length - 200;
    expect(retries).toBeGreaterThan(0);
    const busiest = busiestSecond(pushes.map((p) => p.at));
    const spanS = (pushes.at(-1)!.at - pushes[0]!.at) / 1000;
    console.log(`maxPushesPerS ${LIMIT}: ${pushes.length} pushes (200 events, ${retries} retries, 1 test push) over ${spanS.toFixed(1)} s, at most ${busiest} in any second`);
    expect(busiest).toBeLessThanOrEqual(LIMIT);
    // The limit was reached, so it did the holding (each retry also waits its retry delay).
    expect(busiest).toBe(LIMIT);
  }, 120_000);
});
