import * as crypto from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sameSecret } from '../../src/api/auth.js';
import { buildApp } from '../../src/app.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { credentialMatches, hashCredential } from '../../src/domain/signing.js';
import { waitReady } from '../../src/lib/redis.js';
import { startWorkers, type RunningWorkers } from '../../workers/main.js';
import { ADMIN_TOKEN, admin, dropPrefix, handsUp, testConfig, uniquePrefix, waitFor } from '../helpers/harness.js';
import { memoryLogger } from '../helpers/logs.js';
import { ACK, Receiver } from '../helpers/receiver.js';

// Every timingSafeEqual the app makes is recorded (and still done for real): credential checks
// must go through it, on fixed-length digests, whatever the length of what the caller sent.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = vi.fn(real.timingSafeEqual);
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** API, workers and a logger at LOG_LEVEL debug whose every line lands in `lines`. */
async function capturingHarness(name: string, lines: string[]): Promise<{ app: Express; deps: Deps; workers: RunningWorkers; close(): Promise<void> }> {
  const prefix = uniquePrefix(name);
  const config = testConfig(prefix, { LOG_LEVEL: 'debug', AGORA_APP_ID: 'c'.repeat(32), AGORA_APP_CERTIFICATE: 'd'.repeat(32) });
  const logger = memoryLogger(config.logLevel, lines);
  const deps = createDeps(config, logger);
  await waitReady(deps.redis);
  const workers = startWorkers(deps);
  return {
    app: buildApp(deps), deps, workers,
    async close() {
      await workers.close();
      await deps.close();
      await dropPrefix(prefix);
    },
  };
}

describe('secrets are never logged', () => {
  const lines: string[] = [];
  const consoleLines: string[] = [];
  /** Every secret handed out or sent during the run. */
  const secrets: string[] = [ADMIN_TOKEN];
  let h: Awaited<ReturnType<typeof capturingHarness>>;
  const good = new Receiver();
  const failingEvents = new Receiver();
  const failingAll = new Receiver();

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' ')));
    }
    // Receivers that answer failures by echoing back everything they were sent.
    const echo = (push: { headers: unknown; raw: string }) => ({ status: 500, body: JSON.stringify({ headers: push.headers, body: push.raw }) });
    failingEvents.reply = (push) => (push.body.Cmd === 'Test' ? { status: 200, body: ACK } : echo(push));
    failingAll.reply = (push) => echo(push);
    await Promise.all([good.start(), failingEvents.start(), failingAll.start()]);
    h = await capturingHarness('secretlog', lines);
  });
  afterAll(async () => {
    await h.close();
    await Promise.all([good.stop(), failingEvents.stop(), failingAll.stop()]);
    vi.restoreAllMocks();
  });

  it('through app and school creation, rotation, ingest, rooms, dashboard logins and failed logins', async () => {
    const { app } = h;
    // Apps, and their secret rotated.
    const created = (await request(app).post('/v1/apps').set(admin).send({ name: 'logged app', sids: [4101, 4102, 4103] }).expect(201)).body as { appId: string; appSecret: string };
    const rotated = (await request(app).post(`/v1/apps/${created.appId}/rotate-secret`).set(admin).expect(200)).body as { appSecret: string };
    const other = (await request(app).post('/v1/apps').set(admin).send({ name: 'other app', sids: '*' }).expect(201)).body as { appId: string; appSecret: string };
    secrets.push(created.appSecret, rotated.appSecret, other.appSecret);
    const appAuth = { Authorization: basic(created.appId, rotated.appSecret) };
    secrets.push(appAuth.Authorization.slice(6), basic(created.appId, created.appSecret).slice(6), basic(other.appId, other.appSecret).slice(6));

    // Schools: a chosen secret, generated ones, and rotations by the admin and by the school.
    const chosen = `chosen-school-secret-${crypto.randomBytes(8).toString('hex')}`;
    const schools = [
      (await request(app).post('/v1/schools').set(admin).send({ sid: 4101, name: 'Good', endpointUrl: good.url, secret: chosen }).expect(201)).body,
      (await request(app).post('/v1/schools').set(admin).send({ sid: 4102, name: 'Failing pushes', endpointUrl: failingEvents.url }).expect(201)).body,
      (await request(app).post('/v1/schools').set(admin).send({ sid: 4103, name: 'Failing verification', endpointUrl: failingAll.url }).expect(201)).body,
    ] as { sid: number; secret: string; apiKey: string }[];
    for (const s of schools) secrets.push(s.secret, s.apiKey);
    const first = schools[0]!;
    const second = schools[1]!;
    secrets.push(((await request(app).post(`/v1/schools/${first.sid}/rotate-secret`).set(admin).expect(200)).body as { secret: string }).secret);
    secrets.push(((await request(app).post(`/v1/schools/${second.sid}/rotate-secret`).set({ Authorization: `Bearer ${second.apiKey}` }).expect(200)).body as { secret: string }).secret);

    // Ingest, and failed API logins of every shape (a real secret sent in the wrong place too).
    await waitFor('schools 4101 and 4102 active', async () => {
      const list = (await request(app).get('/v1/schools').set(admin)).body as { items: { sid: number; status: string }[] };
      return list.items.filter((s) => s.status === 'active').length === 2;
    });
    await request(app).post('/v1/events').set(appAuth).send({ events: [handsUp(4101, 1), handsUp(4102, 2), handsUp(4103, 3)] }).expect(202);
    await request(app).post('/v1/events').set(appAuth).send({ ...handsUp(4101, 4), password: rotated.appSecret }).expect(400);
    await request(app).post('/v1/events').set({ Authorization: basic(created.appId, created.appSecret) }).send(handsUp(4101, 5)).expect(401);
    await request(app).post('/v1/events').set({ Authorization: `Bearer ${rotated.appSecret}` }).send(handsUp(4101, 6)).expect(401);
    await request(app).get('/v1/deliveries').set({ Authorization: basic(created.appId, ADMIN_TOKEN) }).expect(401);
    await request(app).get('/v1/deliveries').set({ Authorization: `Bearer ${ADMIN_TOKEN}x` }).expect(401);
    await request(app).get(`/v1/schools/${second.sid}`).set({ Authorization: `Bearer ${first.apiKey}` }).expect(403);

    // Rooms: entry with the app's Basic credentials, calls with the user's token, a wrong token.
    const entry = (await request(app).post(`/conf/v1/apps/${created.appId}/room/entry`).set(appAuth)
      .send({ roomName: 'Logged room', roomUuid: 'logged-room', userName: 'Host', userUuid: 'host-1', role: 'host', sid: 4101, classId: 51345 }).expect(200)).body as { data: { roomId: string; userToken: string } };
    const student = (await request(app).post(`/conf/v1/apps/${created.appId}/room/entry`).set(appAuth)
      .send({ roomName: 'Logged room', roomUuid: 'logged-room', userName: 'Ann', userUuid: 'ann-1', sid: 4101, classId: 51345 }).expect(200)).body as { data: { userToken: string } };
    secrets.push(entry.data.userToken, student.data.userToken, entry.data.userToken.split('.')[1]!, student.data.userToken.split('.')[1]!);
    const roomPath = `/conf/v1/apps/${created.appId}/room/${entry.data.roomId}`;
    await request(app).get(roomPath).set('token', entry.data.userToken).expect(200);
    await request(app).post(`${roomPath}/chat`).set('token', student.data.userToken).send({ message: 'hi' }).expect(200);
    await request(app).get(roomPath).set('token', `${entry.data.userToken}x`).expect(401);
    await request(app).post(`/conf/v1/apps/${created.appId}/room/entry`).set({ Authorization: basic(created.appId, created.appSecret) })
      .send({ roomName: 'x', roomUuid: 'x', userName: 'x', userUuid: 'x' }).expect(401);
    await request(app).post('/v1/tokens/rtm').set(appAuth).send({ userUuid: 'host-1' }).expect(200);

    // Dashboard: logins with the admin token and a school key, failed ones, a sign-out.
    const adminLogin = await request(app).post('/admin/login').type('form').send({ token: ADMIN_TOKEN }).expect(303);
    await request(app).post('/admin/login').type('form').send({ token: first.apiKey }).expect(303);
    await request(app).post('/admin/login').type('form').send({ token: rotated.appSecret }).expect(401);
    await request(app).post('/admin/login').type('form').send({ token: `${ADMIN_TOKEN}-wrong` }).expect(401);
    await request(app).post('/admin/login').type('form').send({ token: entry.data.userToken }).expect(401);
    const cookie = (adminLogin.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    secrets.push(cookie.split('=')[1]!);
    await request(app).post('/v1/schools/4101/verify').set('Cookie', cookie).set('x-classbell-csrf', 'not-the-token').expect(403);

    // Let the workers deliver, fail pushes and fail a verification (their replies echo the push).
    await waitFor('pushes to the good school', () => good.events().length >= 1);
    await waitFor('a failed push logged', () => lines.some((l) => l.includes('push failed')));
    await waitFor('a failed verification logged', () => lines.some((l) => l.includes('verification failed')));
    h.deps.logger.info('a caller put secrets in redacted fields', { appSecret: rotated.appSecret, token: entry.data.userToken, apiKey: first.apiKey });

    expect(lines.some((l) => l.includes('dashboard login'))).toBe(true);
    expect(lines.some((l) => l.includes('school endpoint verified'))).toBe(true);
    expect(failingEvents.pushes.length + failingAll.pushes.length).toBeGreaterThan(1);

    const captured = [...lines, ...consoleLines];
    const found = secrets.flatMap((secret) => captured.filter((line) => line.includes(secret)).map((line) => `${secret.slice(0, 6)}… in ${line.slice(0, 300)}`));
    expect(secrets.length).toBe(20);
    expect(found).toEqual([]);
  });
});

describe('credentials are compared in constant time', () => {
  const spy = vi.mocked(crypto.timingSafeEqual);

  it('sameSecret: equal or not, any lengths, never throws', () => {
    const secret = crypto.randomBytes(24).toString('base64url');
    expect(sameSecret(secret, `${secret}`)).toBe(true);
    expect(sameSecret(secret, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(sameSecret(secret, secret.slice(0, 5))).toBe(false);
    expect(sameSecret(secret, secret.repeat(100))).toBe(false);
    expect(sameSecret('', secret)).toBe(false);
    expect(sameSecret('', '')).toBe(true);
    expect(sameSecret('pässwörd-ß', 'pässwörd-ß')).toBe(true);
    expect(sameSecret('pässwörd-ß', 'passwort-ss')).toBe(false);
  });

  it('credentialMatches: checks against the stored sha256, any given length, malformed store → false', () => {
    const secret = crypto.randomBytes(24).toString('base64url');
    const stored = hashCredential(secret);
    expect(credentialMatches(secret, stored)).toBe(true);
    expect(credentialMatches(`${secret}x`, stored)).toBe(false);
    expect(credentialMatches('', stored)).toBe(false);
    expect(credentialMatches(secret.repeat(1000), stored)).toBe(false);
    expect(credentialMatches(secret, stored.slice(0, 10))).toBe(false);
    expect(credentialMatches(secret, 'not hex at all')).toBe(false);
    expect(credentialMatches(secret, '')).toBe(false);
  });

  describe('every credential check of the running app', () => {
    const lines: string[] = [];
    let h: Awaited<ReturnType<typeof capturingHarness>>;
    let app: { appId: string; appSecret: string };
    /** An app whose credentials are first used by the case below (a used login is cached by its hash). */
    let fresh: { appId: string; appSecret: string };
    let room: { path: string; token: string };
    let session: { cookie: string; csrf: string };

    beforeAll(async () => {
      h = await capturingHarness('consttime', lines);
      app = (await request(h.app).post('/v1/apps').set(admin).send({ name: 'timed', sids: '*' }).expect(201)).body as { appId: string; appSecret: string };
      const entry = (await request(h.app).post(`/conf/v1/apps/${app.appId}/room/entry`).set({ Authorization: basic(app.appId, app.appSecret) })
        .send({ roomName: 'r', roomUuid: 'timed-room', userName: 'u', userUuid: 'u-1' }).expect(200)).body as { data: { roomId: string; userToken: string } };
      fresh = (await request(h.app).post('/v1/apps').set(admin).send({ name: 'fresh', sids: '*' }).expect(201)).body as { appId: string; appSecret: string };
      room = { path: `/conf/v1/apps/${app.appId}/room/${entry.data.roomId}`, token: entry.data.userToken };
      const login = await request(h.app).post('/admin/login').type('form').send({ token: ADMIN_TOKEN }).expect(303);
      const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec((await request(h.app).get('/admin').set('Cookie', cookie).expect(200)).text)?.[1];
      session = { cookie, csrf: csrf ?? '' };
    });
    afterAll(async () => h.close());

    /** Runs one request; the comparisons it made: each on two 32-byte digests. */
    async function comparisons(send: () => Promise<{ status: number }>, status: number): Promise<number[][]> {
      spy.mockClear();
      expect((await send()).status).toBe(status);
      return spy.mock.calls.map(([x, y]) => [(x as ArrayBufferView).byteLength, (y as ArrayBufferView).byteLength]);
    }

    const cases: { name: string; status: number; send: () => Promise<{ status: number }> }[] = [
      { name: 'admin token', status: 200, send: () => request(h.app).get('/v1/apps').set(admin) },
      { name: 'admin token, one character off', status: 401, send: () => request(h.app).get('/v1/apps').set({ Authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}x` }) },
      { name: 'admin token, 1 character', status: 401, send: () => request(h.app).get('/v1/apps').set({ Authorization: 'Bearer x' }) },
      { name: 'admin token, 4000 characters', status: 401, send: () => request(h.app).get('/v1/apps').set({ Authorization: `Bearer ${'x'.repeat(4000)}` }) },
      { name: 'app secret', status: 200, send: () => request(h.app).post('/v1/tokens/rtm').set({ Authorization: basic(fresh.appId, fresh.appSecret) }).send({ userUuid: 'a' }) },
      { name: 'app secret, wrong', status: 401, send: () => request(h.app).post('/v1/tokens/rtm').set({ Authorization: basic(app.appId, `${app.appSecret}x`) }).send({ userUuid: 'a' }) },
      { name: 'app secret, 1 character', status: 401, send: () => request(h.app).post('/v1/tokens/rtm').set({ Authorization: basic(app.appId, 'x') }).send({ userUuid: 'a' }) },
      { name: 'app secret of an unknown app', status: 401, send: () => request(h.app).post('/v1/tokens/rtm').set({ Authorization: basic('f'.repeat(32), app.appSecret) }).send({ userUuid: 'a' }) },
      { name: 'dashboard login, admin token', status: 303, send: () => request(h.app).post('/admin/login').type('form').send({ token: ADMIN_TOKEN }) },
      { name: 'dashboard login, wrong token', status: 401, send: () => request(h.app).post('/admin/login').type('form').send({ token: 'y'.repeat(300) }) },
      { name: 'room user token', status: 200, send: () => request(h.app).get(room.path).set('token', room.token) },
      { name: 'room user token, wrong secret', status: 401, send: () => request(h.app).get(room.path).set('token', `${room.token.split('.')[0]!}.${'z'.repeat(40)}`) },
      { name: 'dashboard CSRF token', status: 201, send: () => request(h.app).post('/v1/apps').set('Cookie', session.cookie).set('x-classbell-csrf', session.csrf).send({ name: 'via the dashboard', sids: '*' }) },
      { name: 'dashboard CSRF token, wrong length', status: 403, send: () => request(h.app).post('/v1/apps').set('Cookie', session.cookie).set('x-classbell-csrf', 'x').send({ name: 'via the dashboard', sids: '*' }) },
    ];

    for (const c of cases) {
      it(`${c.name}: answers ${c.status}, through timingSafeEqual on 32-byte digests`, async () => {
        const calls = await comparisons(c.send, c.status);
        expect(calls.length).toBeGreaterThan(0);
        for (const lengths of calls) expect(lengths).toEqual([32, 32]);
      });
    }
  });
});
