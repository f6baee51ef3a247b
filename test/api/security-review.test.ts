import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';
import { linesAt, memoryLogger } from '../helpers/logs.js';

/** Issue 17: the findings of the independent security review, each with the answer it must get now. */
describe('security review (issue 17)', () => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await createHarness('secreview', { workers: false, env: { INGEST_RATE_LIMIT_PER_S: '10', AGORA_APP_ID: 'c'.repeat(32), AGORA_APP_CERTIFICATE: 'd'.repeat(32) }, logger: memoryLogger('info', lines) });
    await createSchool(h.app, 1701, 'http://127.0.0.1:9/a');
    await createSchool(h.app, 1702, 'http://127.0.0.1:9/b');
  });
  afterAll(() => h.close());

  it('point 7: counts events, not requests: a batch larger than what is left of the second is a 429', async () => {
    const { auth } = await createApp(h.app, [1701]);
    const batch = (n: number, from = 0) => ({ events: Array.from({ length: n }, (_, i) => handsUp(1701, from + i)) });
    const refused = await request(h.app).post('/v1/events').set(auth).send(batch(500)).expect(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Nothing of the refused batch was stored.
    const log = await request(h.app).get('/v1/deliveries?sid=1701&limit=10').set(admin).expect(200);
    expect(log.body.items).toHaveLength(0);
  });

  it('point 5: a compressed body that does not decompress is a 400 naming the encoding, on every path, never an error log', async () => {
    const { appId, auth } = await createApp(h.app, [1701]);
    const garbage = Buffer.from('this is not compressed at all');
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const ingest = await request(h.app).post('/v1/events').set(auth).set('content-type', 'application/json').set('content-encoding', encoding).send(garbage).expect(400);
      expect(ingest.body.error.code).toBe('invalid_encoding');
      expect(ingest.body.error.message).toContain(encoding);
      const entry = await request(h.app).post(`/conf/v1/apps/${appId}/room/entry`).set(auth).set('content-type', 'application/json').set('content-encoding', encoding).send(garbage).expect(400);
      expect(entry.body.msg).toContain(encoding);
      await request(h.app).post('/v1/schools').set(admin).set('content-type', 'application/json').set('content-encoding', encoding).send(garbage).expect(400);
    }
    expect(linesAt(lines, 'error')).toEqual([]);
  });

  it('point 6: an unauthenticated request is a 401 whatever its body (the body is not even read)', async () => {
    await request(h.app).post('/v1/events').set('content-type', 'application/json').send('{"this is": not json').expect(401);
    await request(h.app).post('/v1/events').set('content-type', 'application/json').set('content-encoding', 'gzip').send(Buffer.from('garbage')).expect(401);
    await request(h.app).post('/v1/schools').set({ Authorization: 'Bearer wrong-token-xxxxxxxxxxxx' }).set('content-type', 'application/json').send('{').expect(401);
    const entry = await request(h.app).post(`/conf/v1/apps/${'a'.repeat(32)}/room/entry`).set('content-type', 'application/json').send('{').expect(401);
    expect(entry.body.code).toBe(401);
    const roomCall = await request(h.app).post(`/conf/v1/apps/${'a'.repeat(32)}/room/${'b'.repeat(16)}/chat`).set('content-type', 'application/json').send('{').expect(401);
    expect(roomCall.body.code).toBe(10005);
    // The Agora Meeting clients' paths too: entry (v1 and iOS's v2) and a room call.
    for (const version of ['v1', 'v2']) {
      await request(h.app).post(`/scenario/meeting/apps/${'a'.repeat(32)}/${version}/room/entry`).set('content-type', 'application/json').send('{').expect(401);
    }
    // (Refusals answer HTTP 200 with their code on these paths: the clients read `code` only from a 2xx.)
    const meetingCall = await request(h.app).post(`/scenario/meeting/apps/${'a'.repeat(32)}/v1/room/${'b'.repeat(16)}`).set('content-type', 'application/json').send('{').expect(200);
    expect(meetingCall.body.code).toBe(10005);
  });

  it('point 9: a client may not choose an id shaped like an assigned one (ev_<sid>_…); assigned ids are found by the admin', async () => {
    const { auth } = await createApp(h.app, [1701, 1702]);
    const spoof = await request(h.app).post('/v1/events').set(auth).send(handsUp(1701, 1, { id: 'ev_1702_abc123' })).expect(400);
    expect(spoof.body.error.details[0].path).toBe('id');
    await request(h.app).post('/v1/events').set(auth).send(handsUp(1701, 1, { id: 'ev-1702-mine' })).expect(202);
    const accepted = (await request(h.app).post('/v1/events').set(auth).send(handsUp(1701, 2)).expect(202)).body.accepted as string[];
    const found = await request(h.app).get(`/v1/events/${accepted[0]}`).set(admin).expect(200);
    expect(found.body.sid).toBe(1701);
  });

  it('point 9: /docs and its files carry a CSP and may not be framed', async () => {
    for (const path of ['/docs', '/docs/init.js', '/docs/assets/swagger-ui.css']) {
      const res = await request(h.app).get(path).expect(200);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });

  it('point 3: a user identity belongs to one app: another app gets no RTM token for it, and no seat as it', async () => {
    const a = await createApp(h.app, [1701]);
    const b = await createApp(h.app, [1702]);
    const entry = (auth: { Authorization: string }, appId: string, userUuid: string) => request(h.app).post(`/conf/v1/apps/${appId}/room/entry`).set(auth)
      .send({ roomName: 'Maths', roomUuid: `room-${appId.slice(0, 6)}`, userName: 'T', userUuid, role: 'host', sid: appId === a.appId ? 1701 : 1702, classId: 17 });
    const hostOfB = (await entry(b.auth, b.appId, 'host-of-b').expect(200)).body.data as { roomId: string; userToken: string };
    const info = (await request(h.app).get(`/conf/v1/apps/${b.appId}/room/${hostOfB.roomId}`).set('token', hostOfB.userToken).expect(200)).body.data;
    expect(info.user.rtmToken).toEqual(expect.any(String));
    // A cannot mint B's host's RTM login, nor take the identity through a room of its own.
    await request(h.app).post('/v1/tokens/rtm').set(a.auth).send({ userUuid: 'host-of-b' }).expect(403);
    await entry(a.auth, a.appId, 'host-of-b').expect(403);
    // The first app to ask for an identity keeps it; its own requests go on working.
    await request(h.app).post('/v1/tokens/rtm').set(a.auth).send({ userUuid: 'flex-user-of-a' }).expect(200);
    await request(h.app).post('/v1/tokens/rtm').set(b.auth).send({ userUuid: 'flex-user-of-a' }).expect(403);
    await entry(b.auth, b.appId, 'flex-user-of-a').expect(403);
    await request(h.app).post('/v1/tokens/rtm').set(a.auth).send({ userUuid: 'flex-user-of-a' }).expect(200);
    await request(h.app).post('/v1/tokens/rtm').set(b.auth).send({ userUuid: 'host-of-b' }).expect(200);
    // Nor through the Agora Meeting clients' entry.
    const meetingEntry = await request(h.app).post(`/scenario/meeting/apps/${a.appId}/v1/room/entry`).set(a.auth)
      .send({ roomName: 'Maths', roomUuid: 'meeting-room-a', userName: 'T', userUuid: 'host-of-b', enableAudio: 1, enableVideo: 1 });
    expect(meetingEntry.status).toBe(403);
  });

  it('point 8: a school reads its schedule but may not write or close it; its app may', async () => {
    const { auth } = await createApp(h.app, [1702]);
    const key = { Authorization: `Bearer ${(await createSchool(h.app, 1703, 'http://127.0.0.1:9/c')).apiKey}` };
    const appOf1703 = (await createApp(h.app, [1703])).auth;
    const body = { courseId: 5, startTime: 1763848800, closeTime: 1763852400 };
    await request(h.app).put('/v1/schools/1703/classes/77').set(appOf1703).send(body).expect(200);
    await request(h.app).put('/v1/schools/1703/classes/77').set(key).send({ ...body, courseId: 6 }).expect(403);
    await request(h.app).post('/v1/schools/1703/classes/77/close').set(key).send({}).expect(403);
    const read = await request(h.app).get('/v1/schools/1703/classes/77').set(key).expect(200);
    expect(read.body).toMatchObject({ courseId: 5, closeTime: 1763852400 });
    expect(read.body.realCloseTime ?? null).toBeNull();
    await request(h.app).put('/v1/schools/1703/classes/77').set(auth).send(body).expect(403); // not its school
    await request(h.app).post('/v1/schools/1703/classes/77/close').set(admin).send({}).expect(200);
  });
});

/** The per-client failure limit at its defaults (20 a minute), the client named by a trusted loopback proxy. */
describe('security review (issue 17): failed authentications', () => {
  let h: Harness;
  const lines: string[] = [];
  const wrong = { Authorization: 'Bearer wrong-token-xxxxxxxxxxxx' };
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  beforeAll(async () => {
    h = await createHarness('secfail', { workers: false, env: { TRUST_PROXY: 'loopback', AUTH_FAILURE_LIMIT: '' }, logger: memoryLogger('info', lines) });
  });
  afterAll(() => h.close());

  it('point 2: /metrics counts wrong bearer tokens in the same limiter as /v1', async () => {
    for (let i = 0; i < 20; i++) await request(h.app).get('/metrics').set(wrong).set(from('198.51.100.20')).expect(401);
    const locked = await request(h.app).get('/metrics').set(wrong).set(from('198.51.100.20')).expect(429);
    expect(locked.headers['retry-after']).toBeDefined();
    await request(h.app).get('/metrics').set(admin).set(from('198.51.100.20')).expect(429);
    await request(h.app).get('/v1/schools').set(admin).set(from('198.51.100.20')).expect(429);
    await request(h.app).get('/metrics').set(admin).set(from('198.51.100.21')).expect(200);
  });

  it('point 9: IPv6 clients are counted by their /64', async () => {
    for (let i = 1; i <= 20; i++) await request(h.app).get('/v1/schools').set(wrong).set(from(`2001:db8:aa:bb::${i.toString(16)}`)).expect(401);
    await request(h.app).get('/v1/schools').set(admin).set(from('2001:db8:aa:bb:1234:5678:9abc:def0')).expect(429);
    await request(h.app).get('/v1/schools').set(admin).set(from('2001:db8:aa:bc::1')).expect(200);
  });

  it('point 9: a failed dashboard login is a warning without the guess', async () => {
    const guess = 'my-admin-token-with-a-typo-zq7x';
    await request(h.app).post('/admin/login').set(from('198.51.100.30')).type('form').send({ token: guess }).expect(401);
    const warning = linesAt(lines, 'warn').find((l) => l.message === 'dashboard login failed');
    expect(warning).toMatchObject({ ip: '198.51.100.30' });
    expect(lines.join('\n')).not.toContain(guess);
  });
});
