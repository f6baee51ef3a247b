import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

/** Outcomes without a usable reply: timeout, refused connection, reset, redirect, oversized reply. */
describe('push outcomes at faulty endpoints', () => {
  let h: Harness;
  let auth: { Authorization: string };
  const receivers: Receiver[] = [];
  let nextSid = 8000;
  beforeAll(async () => {
    h = await createHarness('outcomes', { env: { DELIVERY_TIMEOUT_MS: '300', RETRY_SCHEDULE: '50ms' } });
    ({ auth } = await createApp(h.app));
  });
  afterAll(async () => {
    await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  async function firstAttempts(reply: Receiver['reply'], count = 2) {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    let events = 0;
    receiver.reply = (p) => (p.body.Cmd === 'Test' ? { body: ACK } : reply(p, events++));
    const sid = nextSid++;
    await createSchool(h.app, sid, receiver.url);
    await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    const res = await request(h.app).post('/v1/events').set(auth).send(handsUp(sid, 1)).expect(202);
    const id = res.body.accepted[0] as string;
    const detail = await waitFor('attempts', async () => {
      const body = (await request(h.app).get(`/v1/events/${id}`).set(admin)).body;
      return body.attempts.length >= count ? body : undefined;
    });
    return { detail, receiver, sid };
  }

  it('a reply slower than DELIVERY_TIMEOUT_MS is a timeout, and the head is retried', async () => {
    const { detail } = await firstAttempts((_p, i) => (i === 0 ? { body: ACK, delayMs: 1500 } : { body: ACK }));
    expect(detail.attempts[0]).toMatchObject({ n: 1, outcome: 'timeout', httpStatus: null, errno: null });
    expect(detail.attempts[0].durationMs).toBeGreaterThanOrEqual(250);
    await waitFor('delivered', async () => (await request(h.app).get(`/v1/events/${detail.event.id}`).set(admin)).body.status === 'delivered');
  });

  it('a redirect is not followed: the 3xx is a rejected attempt', async () => {
    // Where the redirect points: an endpoint that would acknowledge anything it got.
    const target = await new Receiver().start();
    receivers.push(target);
    const { detail, receiver } = await firstAttempts((_p, i) => (i < 2 ? { status: 302, body: '', headers: { location: target.url } } : { body: ACK }));
    expect(detail.attempts[0]).toMatchObject({ outcome: 'rejected', httpStatus: 302 });
    expect(detail.attempts[1]).toMatchObject({ outcome: 'rejected', httpStatus: 302 });
    await waitFor('delivered on the third attempt', async () => (await request(h.app).get(`/v1/events/${detail.event.id}`).set(admin)).body.status === 'delivered');
    expect(target.pushes).toHaveLength(0);
    expect(receiver.events()).toHaveLength(3);
  });

  it('a reset connection is a network_error; a large reply is stored cut to 1 KiB', async () => {
    const reset = await firstAttempts((_p, i) => (i === 0 ? { destroy: true } : { body: ACK }), 1);
    expect(reset.detail.attempts[0]).toMatchObject({ outcome: 'network_error', httpStatus: null });
    const big = await firstAttempts((_p, i) => (i === 0 ? { status: 500, body: 'x'.repeat(5000) } : { body: ACK }), 1);
    expect(big.detail.attempts[0]).toMatchObject({ outcome: 'rejected', httpStatus: 500 });
    expect(Buffer.byteLength(big.detail.attempts[0].response)).toBe(1024);
  });

  it('a refused connection is a network_error recorded in stats.lastError', async () => {
    const closed: Server = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    const sid = nextSid++;
    await createSchool(h.app, sid, receiver.url);
    await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    // Move the endpoint to a closed port behind classbell's back (no re-verification).
    await h.deps.redis.hset(h.deps.keys.school(sid), 'url', `http://127.0.0.1:${port}/gone`);
    await request(h.app).post('/v1/events').set(auth).send(handsUp(sid, 1)).expect(202);
    const stats = await waitFor('failing', async () => {
      const body = (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body;
      return body.headAttempts >= 2 ? body : undefined;
    });
    expect(stats.lastError).toMatch(/^network_error: .*ECONNREFUSED/);
    expect(stats.backlog).toBe(1);
  });
});
