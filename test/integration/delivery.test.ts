import { createHash } from 'node:crypto';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('delivery semantics (real Redis, real HTTP receivers)', () => {
  let h: Harness;
  let auth: { Authorization: string };
  const receivers: Receiver[] = [];
  let nextSid = 1000;

  async function school(reply?: Receiver['reply'], extra: Record<string, unknown> = {}) {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    let eventIndex = 0;
    if (reply) receiver.reply = (p) => (p.body.Cmd === 'Test' ? { body: ACK } : reply(p, eventIndex++));
    const sid = nextSid++;
    const created = await createSchool(h.app, sid, receiver.url, extra);
    await waitFor(`school ${sid} active`, async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    return { sid, receiver, secret: created.secret };
  }

  beforeAll(async () => {
    h = await createHarness('delivery');
    ({ auth } = await createApp(h.app));
  });
  afterAll(async () => {
    await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('signs every push: SafeKey = md5(secret + TimeStamp) and Standard Webhooks headers', async () => {
    const { sid, receiver, secret } = await school();
    const res = await request(h.app).post('/v1/events').set(auth).send(handsUp(sid, 1)).expect(202);
    const [push] = await waitFor('push', () => (receiver.events().length ? receiver.events() : undefined));
    const ts = push!.body.TimeStamp as number;
    expect(push!.body.SafeKey).toBe(md5(`${secret}${ts}`));
    expect(push!.headers['content-type']).toBe('application/json');
    expect(push!.headers['webhook-id']).toBe(res.body.accepted[0]);
    expect(push!.headers['webhook-timestamp']).toBe(String(ts));
    expect(push!.body._id).toBe(res.body.accepted[0]);
    // A receiver using the standardwebhooks package with base64(secret) verifies the signature.
    const wh = new Webhook(Buffer.from(secret).toString('base64'));
    expect(() => wh.verify(push!.raw, push!.headers as Record<string, string>)).not.toThrow();
    expect(() => wh.verify(push!.raw.replace('hands up', 'hands dn'), push!.headers as Record<string, string>)).toThrow();
    // The registration test push carries the same headers and a SafeKey too.
    const test = receiver.pushes.find((p) => p.body.Cmd === 'Test')!;
    expect(test.body).toMatchObject({ SID: sid, Cmd: 'Test', Msg: 'Register test.' });
    expect(test.body.SafeKey).toBe(md5(`${secret}${test.body.TimeStamp as number}`));
    expect(String(test.headers['webhook-id'])).toMatch(/^test_/);
    expect(() => wh.verify(test.raw, test.headers as Record<string, string>)).not.toThrow();
  });

  it.each([
    ['errno "1" as a string', { status: 200, body: '{"error_info":{"errno":"1"}}' }, 'bad_response', null],
    ['errno 0', { status: 200, body: '{"error_info":{"errno":0,"error":"x"}}' }, 'rejected', 0],
    ['a reply that is not JSON', { status: 200, body: 'OK' }, 'bad_response', null],
    ['HTTP 500 with a good body', { status: 500, body: ACK }, 'rejected', 1],
    ['no error_info', { status: 200, body: '{"ok":true}' }, 'bad_response', null],
  ] as const)('judges %s as %s, then retries until acknowledged', async (_name, badReply, outcome, errno) => {
    const { sid, receiver } = await school((_p, i) => (i < 3 ? { ...badReply } : { body: ACK }));
    const res = await request(h.app).post('/v1/events').set(auth).send(handsUp(sid, 1)).expect(202);
    const id = res.body.accepted[0] as string;
    await waitFor('delivered', async () => (await request(h.app).get(`/v1/events/${id}`).set(admin)).body.status === 'delivered');
    const detail = await request(h.app).get(`/v1/events/${id}`).set(admin).expect(200);
    const attempts = detail.body.attempts as { n: number; outcome: string; errno: number | null; httpStatus: number }[];
    expect(attempts.map((a) => a.outcome)).toEqual([outcome, outcome, outcome, 'delivered']);
    expect(attempts.map((a) => a.n)).toEqual([1, 2, 3, 4]);
    expect(attempts[0]!.errno).toBe(errno);
    expect(receiver.events().filter((p) => p.body._id === id)).toHaveLength(4); // the head was retried, nothing else
  });

  it('keeps strict order while the receiver fails random events several times', async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Whether the receiver acknowledged event push number i (index into receiver.events()).
    const acknowledged: boolean[] = [];
    const { sid, receiver } = await school((_p, i) => {
      acknowledged[i] = random() >= 0.3;
      return acknowledged[i] ? { body: ACK } : { status: 503, body: 'busy' };
    });
    const events = Array.from({ length: 60 }, (_, i) => handsUp(sid, i));
    await request(h.app).post('/v1/events').set(auth).send({ events: events.slice(0, 30) }).expect(202);
    await request(h.app).post('/v1/events').set(auth).send({ events: events.slice(30) }).expect(202);
    await waitFor('all acknowledged', async () => (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.delivered === 60, 30_000);
    const pushes = receiver.events();
    expect(pushes.length).toBeGreaterThan(60); // some were retried
    // Event k+1 is first pushed only after event k was acknowledged: the acknowledged pushes are
    // exactly the posted events, each once, in the posted order.
    const acked = pushes.filter((_, i) => acknowledged[i] === true);
    expect(acked.map((p) => p.body.UID)).toEqual(events.map((e) => e.uid));
    // Between two different events there are only retries of the earlier one, never a jump back.
    const uids = pushes.map((p) => p.body.UID as number);
    for (let i = 1; i < uids.length; i++) expect(uids[i]!).toBeGreaterThanOrEqual(uids[i - 1]!);
  });

  it('holds events for a school until its endpoint is verified, then delivers them in order', async () => {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    let verifying = false;
    receiver.reply = (p) => (p.body.Cmd === 'Test' && !verifying ? { status: 200, body: '{"error_info":{"errno":10003}}' } : { body: ACK });
    const sid = nextSid++;
    await createSchool(h.app, sid, receiver.url);
    const failed = await waitFor('verification failed', async () => {
      const s = (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body;
      return s.status === 'verification_failed' ? s : undefined;
    });
    expect(failed.lastError).toMatch(/rejected: errno 10003/);
    await request(h.app).post('/v1/events').set(auth).send({ events: [handsUp(sid, 1), handsUp(sid, 2), handsUp(sid, 3)] }).expect(202);
    // Held, not merely slow: no drain is scheduled for a school that is not active.
    expect((await h.deps.outbox.drainState(sid)).scheduled).toBe(false);
    expect(receiver.events()).toHaveLength(0);
    expect((await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.backlog).toBe(3);
    verifying = true;
    await request(h.app).post(`/v1/schools/${sid}/verify`).set(admin).expect(202);
    await waitFor('3 pushes', () => receiver.events().length === 3);
    expect(receiver.events().map((p) => p.body.UID)).toEqual([1001, 1002, 1003]);
    expect((await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status).toBe('active');
  });

  it('a bad_response verification reports ClassIn 10003 in lastError', async () => {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    receiver.reply = () => ({ status: 200, body: 'hello' });
    const sid = nextSid++;
    await createSchool(h.app, sid, receiver.url);
    const s = await waitFor('verification failed', async () => {
      const body = (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body;
      return body.status === 'verification_failed' ? body : undefined;
    });
    expect(s.lastError).toMatch(/^bad_response \(10003\)/);
  });

  it('a dead school does not hold back live ones', async () => {
    const dead = await school(() => ({ status: 500, body: 'down' }));
    const live = await Promise.all([school(), school(), school()]);
    await request(h.app).post('/v1/events').set(auth).send({ events: Array.from({ length: 20 }, (_, i) => handsUp(dead.sid, i)) }).expect(202);
    const batch = live.flatMap((s) => Array.from({ length: 40 }, (_, i) => handsUp(s.sid, i)));
    await request(h.app).post('/v1/events').set(auth).send({ events: batch }).expect(202);
    await waitFor('live schools drained', () => live.every((s) => s.receiver.events().length === 40));
    for (const s of live) expect(s.receiver.events().map((p) => p.body.UID)).toEqual(Array.from({ length: 40 }, (_, i) => 1000 + i));
    const stats = (await request(h.app).get(`/v1/schools/${dead.sid}/stats`).set(admin)).body;
    expect(stats.backlog).toBe(20);
    expect(stats.headAttempts).toBeGreaterThan(0);
    expect(new Set(dead.receiver.events().map((p) => p.body._id)).size).toBe(1); // only the head is tried
  });

  it('skip-head lets the next event go; the skipped one is recorded as skipped', async () => {
    const { sid, receiver } = await school((p) => (p.body.UID === 1000 ? { status: 500, body: 'no' } : { body: ACK }));
    const res = await request(h.app).post('/v1/events').set(auth).send({ events: [handsUp(sid, 0), handsUp(sid, 1)] }).expect(202);
    await waitFor('head failing', async () => (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.headAttempts >= 2);
    const skip = await request(h.app).post(`/v1/schools/${sid}/skip-head`).set(admin).send({}).expect(200);
    expect(skip.body.skipped).toBe(res.body.accepted[0]);
    await waitFor('second delivered', () => receiver.events().some((p) => p.body.UID === 1001));
    const first = await request(h.app).get(`/v1/events/${res.body.accepted[0]}`).set(admin).expect(200);
    expect(first.body.status).toBe('skipped');
    const list = await request(h.app).get(`/v1/deliveries?sid=${sid}&status=skipped`).set(admin).expect(200);
    expect(list.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([res.body.accepted[0]]);
  });

  it('pause holds delivery, resume continues in order; redeliver and replay push again', async () => {
    const { sid, receiver } = await school();
    await request(h.app).post(`/v1/schools/${sid}/pause`).set(admin).expect(200);
    const res = await request(h.app).post('/v1/events').set(auth).send({ events: [handsUp(sid, 0), handsUp(sid, 1)] }).expect(202);
    // Held, not merely slow: no drain is scheduled for a paused school.
    expect((await h.deps.outbox.drainState(sid)).scheduled).toBe(false);
    expect(receiver.events()).toHaveLength(0);
    expect((await request(h.app).post(`/v1/schools/${sid}/resume`).set(admin).expect(200)).body.status).toBe('active');
    await waitFor('2 pushes', () => receiver.events().length === 2);
    await waitFor('settled', async () => (await request(h.app).get(`/v1/events/${res.body.accepted[1]}`).set(admin)).body.status === 'delivered');
    await request(h.app).post(`/v1/events/${res.body.accepted[0]}/redeliver`).set(admin).expect(202);
    await waitFor('redelivered', () => receiver.events().length === 3);
    expect(receiver.events()[2]!.body._id).toBe(res.body.accepted[0]);
    await waitFor('settled again', async () => (await request(h.app).get(`/v1/events/${res.body.accepted[0]}`).set(admin)).body.status === 'delivered');
    const replay = await request(h.app).post(`/v1/schools/${sid}/replay`).set(admin).send({ since: new Date(Date.now() - 60_000).toISOString() }).expect(202);
    expect(replay.body.requeued).toBe(2);
    await waitFor('replayed', () => receiver.events().length === 5);
    expect(receiver.events().slice(3).map((p) => p.body._id)).toEqual(res.body.accepted);
  });
});
