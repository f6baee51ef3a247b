import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';
import { Receiver } from '../helpers/receiver.js';

describe('relay end to end', () => {
  let h: Harness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await createHarness('smoke');
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it('verifies a school and pushes its events in order', async () => {
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 257, receiver.url);
    await waitFor('school active', async () => (await request(h.app).get('/v1/schools/257').set(admin)).body.status === 'active');
    const events = Array.from({ length: 50 }, (_, i) => handsUp(257, i));
    const res = await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
    expect(res.body.accepted).toHaveLength(50);
    await waitFor('50 pushes', () => receiver.events().length >= 50);
    expect(receiver.events().map((p) => p.body.UID)).toEqual(events.map((e) => e.uid));
    const stats = await request(h.app).get('/v1/schools/257/stats').set(admin).expect(200);
    expect(stats.body).toMatchObject({ backlog: 0, delivered: 50, failedAttempts: 0, deliveredLastHour: 50, failingSince: null, oldestPendingAgeS: null });
    expect(stats.body.deliveriesPerMinute).toHaveLength(60);
    expect(stats.body.deliveriesPerMinute.reduce((a: number, b: number) => a + b, 0)).toBe(50);
    // The metrics saw the same: 50 ingested, 50 delivered, latency observed, nothing waiting.
    const metrics = (await request(h.app).get('/metrics').set(admin).expect(200)).text;
    expect(metrics).toContain('classbell_events_ingested_total{type="hands_up"} 50');
    expect(metrics).toContain('classbell_pushes_total{outcome="delivered"} 50');
    expect(metrics).toContain('classbell_ingest_to_ack_seconds_count 50');
    expect(metrics).toContain('classbell_backlog_events{sid="total"} 0');
    expect(metrics).toContain('classbell_schools{status="active"} 1');
    expect(metrics).toMatch(/classbell_room_users_online 0/);
    // Delivered events expire after the retention; the log keeps them until then.
    const ttl = await h.deps.redis.ttl(h.deps.keys.event(257, res.body.accepted[0]));
    expect(ttl).toBeGreaterThan(h.config.deliveryRetentionS - 60);
    expect(ttl).toBeLessThanOrEqual(h.config.deliveryRetentionS);
  });
});
