import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

const ALERT_SECRET = 'alert-secret-0123456789';

describe('alerts', () => {
  let h: Harness;
  let hook: Receiver;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    hook = await new Receiver().start();
    hook.reply = () => ({ status: 204, body: '' });
    h = await createHarness('alerts', { env: { ALERT_AFTER_S: '1', ALERT_CHECK_INTERVAL_MS: '200', ALERT_WEBHOOK_URL: hook.url, ALERT_WEBHOOK_SECRET: ALERT_SECRET } });
  });
  afterAll(async () => {
    await h.close();
    await Promise.all([hook, ...receivers].map((r) => r.stop()));
  });

  it('alerts on a head failing for ALERT_AFTER_S, repeats while it fails, then reports the recovery', async () => {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    let failing = true;
    receiver.reply = (p) => (p.body.Cmd !== 'Test' && failing ? { status: 500, body: 'down' } : { body: ACK });
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 600, receiver.url);
    await waitFor('active', async () => (await request(h.app).get('/v1/schools/600').set(admin)).body.status === 'active');
    await request(h.app).post('/v1/events').set(auth).send(handsUp(600, 1)).expect(202);
    const list = async () => (await request(h.app).get('/v1/alerts?sid=600').set(admin).expect(200)).body.items as { kind: string; message: string; lastError: string }[];
    await waitFor('two failing alerts (repeated)', async () => (await list()).filter((a) => a.kind === 'delivery_failing').length >= 2, 15_000);
    const first = (await list()).find((a) => a.kind === 'delivery_failing')!;
    expect(first.lastError).toMatch(/rejected: HTTP 500/);
    failing = false;
    await waitFor('recovered', async () => (await list())[0]?.kind === 'delivery_recovered', 15_000);
    // The webhook got them too, signed with ALERT_WEBHOOK_SECRET (Standard Webhooks).
    // (The alert is recorded first, then posted: wait for the post.)
    const wh = new Webhook(Buffer.from(ALERT_SECRET).toString('base64'));
    const kinds = () => hook.pushes.map((p) => (wh.verify(p.raw, p.headers as Record<string, string>) as { kind: string }).kind);
    await waitFor('recovered alert posted', () => kinds().includes('delivery_recovered'));
    expect(kinds()).toContain('delivery_failing');
  });

  it('alerts on a failed verification and on its recovery; a school sees only its own alerts', async () => {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    let ok = false;
    receiver.reply = () => (ok ? { body: ACK } : { status: 200, body: 'nope' });
    const school = await createSchool(h.app, 601, receiver.url);
    const list = async () => (await request(h.app).get('/v1/alerts?sid=601').set(admin).expect(200)).body.items as { kind: string }[];
    await waitFor('verification alert', async () => (await list()).some((a) => a.kind === 'verification_failed'), 15_000);
    ok = true;
    await request(h.app).post('/v1/schools/601/verify').set(admin).expect(202);
    await waitFor('verification recovered', async () => (await list())[0]?.kind === 'verification_recovered', 15_000);
    const own = await request(h.app).get('/v1/alerts').set({ Authorization: `Bearer ${school.apiKey}` }).expect(200);
    // Exactly the school's own alerts, newest first: its failure and its recovery.
    const ownRows = own.body.items as { sid: number; kind: string }[];
    expect(ownRows.map((a) => [a.sid, a.kind])).toEqual([[601, 'verification_recovered'], [601, 'verification_failed']]);
    const everyone = (await request(h.app).get('/v1/alerts').set(admin).expect(200)).body.items as { sid: number }[];
    expect(everyone.some((a) => a.sid !== 601)).toBe(true); // there were others' alerts to leave out
    await request(h.app).get('/v1/alerts?sid=600').set({ Authorization: `Bearer ${school.apiKey}` }).expect(403);
  });
});
