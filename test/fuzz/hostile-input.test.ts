import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/lib/http-server.js';
import { ADMIN_TOKEN, createApp, createHarness, createSchool, keysUnder, type Harness } from '../helpers/harness.js';

/** Cases per route: at least 5,000 in CI (the bar), fewer for a quick local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI ? 5000 : 400));

interface Reply {
  status: number;
  body: unknown;
}

/**
 * Random and boundary bodies, headers and paths against every public route, over real HTTP:
 * never a 5xx, every 4xx a JSON error naming the problem, and a rejected request never changes
 * Redis (key set and every value, compared by digest).
 */
// 5,000 cases per route in CI take minutes on a shared 2-core machine: no per-test 30 s limit here.
describe('hostile input', { timeout: 900_000 }, () => {
  let h: Harness;
  let server: Server;
  let pool: Pool;
  let appAuth: string;
  let appId: string;
  let schoolKey: string;
  let digest = '';
  const stats = { requests: 0, rejected: 0, accepted: 0, serverErrors: 0 };

  /** A digest of every key under the prefix and its value. */
  async function snapshot(): Promise<string> {
    const keys = await keysUnder(h.deps.redis, h.prefix);
    // One DUMP per key, sent together (keys of different cluster slots cannot share a pipeline).
    const dumps = await Promise.all(keys.map((key) => h.deps.redis.dumpBuffer(key)));
    const hash = createHash('sha1');
    keys.forEach((key, i) => hash.update(key).update(dumps[i] ?? Buffer.alloc(0)));
    return hash.digest('hex');
  }

  async function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
    const res = await pool.request({ method: method as 'GET', path, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: checked below */
    }
    return { status: res.statusCode, body: parsed };
  }

  /** The invariants every fuzzed request must keep. */
  async function check(reply: Reply): Promise<void> {
    stats.requests++;
    if (reply.status >= 500) stats.serverErrors++;
    expect(reply.status, JSON.stringify(reply.body).slice(0, 300)).toBeLessThan(500);
    if (reply.status >= 400) {
      stats.rejected++;
      const body = reply.body as { error?: { code?: string; message?: string }; code?: number; msg?: string };
      // /v1 errors: {error: {code, message}}; room routes: the Agora envelope {code, msg}.
      const named = body.error ? Boolean(body.error.code && body.error.message) : Boolean(body.code && body.msg);
      expect(named, JSON.stringify(reply.body).slice(0, 300)).toBe(true);
      expect(await snapshot()).toBe(digest);
    } else {
      stats.accepted++;
      digest = await snapshot();
    }
  }

  const jsonHeaders = (auth?: string) => ({ 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) });
  const anyJson = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.anything({ maxDepth: 3, withBigInt: false, withMap: false, withSet: false, withBoxedValues: false, withDate: false, withTypedArray: false, withSparseArray: false, withNullPrototype: false, withObjectString: false }),
  ).map((v) => JSON.stringify(v) ?? 'null');
  const boundaryNumber = fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 1.5, Number.MAX_SAFE_INTEGER + 2, 99_999_999_999, 1e12);
  const weirdString = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '💥', '\u0000', '../../etc/passwd', '<script>', 'x'.repeat(5000), '__proto__', 'constructor'));
  const fieldValue = fc.oneof(boundaryNumber, weirdString, fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
  const eventLike = fc.record({
    type: fc.oneof(fc.constantFrom('hands_up', 'reward', 'enter', 'exit', 'stage', 'network_sample', 'device_check', 'lesson_summary', 'file_converted', 'class_extended'), weirdString),
    sid: fc.oneof(fc.constant(257), boundaryNumber, weirdString),
    classId: fc.oneof(fc.constant(1), boundaryNumber, weirdString),
    uid: fieldValue, up: fieldValue, times: fieldValue, id: fc.oneof(weirdString, fc.constant(undefined)), data: fieldValue, actionTime: fieldValue,
  }, { requiredKeys: ['type'] });
  const eventsBody = fc.oneof(
    anyJson,
    eventLike.map((e) => JSON.stringify(e)),
    fc.array(eventLike, { maxLength: 5 }).map((events) => JSON.stringify({ events })),
    fc.string({ maxLength: 50 }),
  );
  const credentials = () => fc.constantFrom(undefined, 'Bearer nope', 'Basic !!!', `Basic ${Buffer.from('x:y').toString('base64')}`, `Bearer ${ADMIN_TOKEN}`, appAuth, `Bearer ${schoolKey}`);

  beforeAll(async () => {
    h = await createHarness('fuzz', { workers: false });
    const app = await createApp(h.app, [257]);
    appAuth = app.auth.Authorization;
    appId = app.appId;
    schoolKey = (await createSchool(h.app, 257, 'http://127.0.0.1:9/none')).apiKey;
    // The server main.ts runs (its timeouts and its answers to requests Node refuses itself).
    server = createHttpServer(h.app).listen(0);
    await new Promise((r) => server.once('listening', r));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 4 });
    digest = await snapshot();
  });
  afterAll(async () => {
    console.log(`hostile-input: ${stats.requests} requests, ${stats.rejected} rejected, ${stats.accepted} accepted, ${stats.serverErrors} server errors`);
    await pool.close();
    server.close();
    await h.close();
  });

  it('POST /v1/events: random events and batches, any credentials', async () => {
    await fc.assert(fc.asyncProperty(eventsBody, credentials(), async (body, auth) => check(await send('POST', '/v1/events', jsonHeaders(auth), body))), { numRuns: RUNS });
  });

  it('POST /v1/apps, DELETE /v1/apps/:appId, POST …/rotate-secret: random bodies and ids', async () => {
    const appBody = fc.record({ name: fieldValue, sids: fc.oneof(fieldValue, fc.array(fieldValue, { maxLength: 3 }), fc.constant('*')) }, { requiredKeys: [] });
    const route = fc.oneof(
      fc.constant(['POST', '/v1/apps']),
      weirdString.map((s) => ['DELETE', `/v1/apps/${encodeURIComponent(s) || 'x'}`]),
      weirdString.map((s) => ['POST', `/v1/apps/${encodeURIComponent(s) || 'x'}/rotate-secret`]),
    );
    // Admin credentials are left out: a valid body would create an app (correct, not what is fuzzed).
    const creds = fc.constantFrom(undefined, 'Bearer nope', appAuth, `Bearer ${schoolKey}`);
    await fc.assert(fc.asyncProperty(route, fc.oneof(appBody.map((b) => JSON.stringify(b)), anyJson), creds, async ([method, path], body, auth) =>
      check(await send(method!, path!, jsonHeaders(auth), body))), { numRuns: RUNS });
  });

  it('POST /v1/schools, PATCH /v1/schools/:sid: random bodies', async () => {
    const schoolBody = fc.record({ sid: fieldValue, name: fieldValue, endpointUrl: fc.oneof(weirdString, fc.constantFrom('http://127.0.0.1:9/a', 'ftp://x', 'http://u:p@h/')), subscriptions: fc.oneof(fieldValue, fc.array(weirdString, { maxLength: 3 })) }, { requiredKeys: [] });
    const route = fc.constantFrom(['POST', '/v1/schools'], ['PATCH', '/v1/schools/257'], ['PATCH', '/v1/schools/0'], ['PATCH', '/v1/schools/abc'], ['POST', '/v1/schools/257/replay']);
    await fc.assert(fc.asyncProperty(route, fc.oneof(schoolBody.map((b) => JSON.stringify(b)), anyJson), credentials(), async ([method, path], body, auth) => {
      // Only invalid bodies: a valid one would register a school (fine, but not what this fuzzes).
      await check(await send(method!, path!, jsonHeaders(auth), body));
    }), { numRuns: RUNS });
  });

  it('GET routes: random paths, ids and query strings', async () => {
    const segment = fc.oneof(weirdString.map(encodeURIComponent), fc.constantFrom('257', '0', '-1', '%00', '..', 'ev_257_x', '9'.repeat(30)));
    const path = fc.oneof(
      segment.map((s) => `/v1/events/${s}`),
      segment.map((s) => `/v1/schools/${s}/stats`),
      fc.tuple(weirdString, weirdString, weirdString).map(([a, b, c]) => `/v1/deliveries?sid=${encodeURIComponent(a)}&limit=${encodeURIComponent(b)}&cursor=${encodeURIComponent(c)}&status=${encodeURIComponent(a)}`),
      fc.tuple(segment, segment).map(([a, b]) => `/v1/${a}/${b}`),
      segment.map((s) => `/v1/alerts?sid=${s}&limit=${s}`),
    );
    await fc.assert(fc.asyncProperty(path, credentials(), async (p, auth) => check(await send('GET', p, auth ? { authorization: auth } : {}))), { numRuns: RUNS });
  });

  it('POST /v1/tokens/rtm: random bodies and credentials', async () => {
    const tokenBody = fc.record({ userUuid: fieldValue, expireS: fieldValue }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(fc.oneof(tokenBody.map((b) => JSON.stringify(b)), anyJson), credentials(), async (body, auth) =>
      check(await send('POST', '/v1/tokens/rtm', jsonHeaders(auth), body))), { numRuns: RUNS });
  });

  it('rooms: random entry bodies, user tokens and ids', async () => {
    const entry = fc.record({ roomName: fieldValue, roomUuid: fieldValue, userName: fieldValue, userUuid: fieldValue, role: fc.oneof(fieldValue, fc.constantFrom('host', 'audience')), classType: fieldValue, password: fieldValue, sid: fieldValue, classId: fieldValue }, { requiredKeys: [] });
    const route = fc.oneof(
      fc.constant(['POST', `/conf/v1/apps/${appId}/room/entry`]),
      fc.constant(['POST', '/conf/v1/apps/00000000000000000000000000000000/room/entry']),
      weirdString.map((s) => ['POST', `/conf/v1/apps/${appId}/room/${encodeURIComponent(s) || 'x'}/user/${encodeURIComponent(s) || 'y'}`]),
      weirdString.map((s) => ['GET', `/conf/v1/apps/${appId}/room/${encodeURIComponent(s) || 'x'}`]),
      weirdString.map((s) => ['POST', `/conf/v1/apps/${appId}/room/${encodeURIComponent(s) || 'x'}/heartbeat`]),
    );
    const headers = fc.record({ token: fc.oneof(weirdString, fc.constant('')), auth: credentials() });
    await fc.assert(fc.asyncProperty(route, fc.oneof(entry.map((b) => JSON.stringify(b)), anyJson), headers, async ([method, path], body, hd) => {
      const reqHeaders: Record<string, string> = jsonHeaders(hd.auth);
      if (hd.token && /^[\x21-\x7e]+$/.test(hd.token)) reqHeaders.token = hd.token;
      await check(await send(method!, path!, reqHeaders, method === 'GET' ? undefined : body));
    }), { numRuns: RUNS });
  });

  it('answers a URL over 16 KiB (refused by Node before express) with a named 431, never an empty reply', async () => {
    const reply = await send('GET', `/v1/deliveries?sid=${'x'.repeat(20_000)}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(reply.status).toBe(431);
    expect(reply.body).toMatchObject({ error: { code: 'headers_too_large' } });
    await check(reply);
  });

  it('rejects deeply nested JSON and huge strings cheaply', async () => {
    const deepData = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
    const started = performance.now();
    const deep = await send('POST', '/v1/events', jsonHeaders(appAuth), `{"type":"device_check","sid":257,"classId":1,"data":${deepData}}`);
    expect(deep.status).toBe(400);
    const deepArray = await send('POST', '/v1/events', jsonHeaders(appAuth), `{"events":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(deepArray.status).toBe(400);
    const huge = await send('POST', '/v1/events', jsonHeaders(appAuth), JSON.stringify({ type: 'help', sid: 257, classId: 1, uid: 1, message: 'x'.repeat(900_000), userList: [] }));
    expect(huge.status).toBe(400);
    const tooBig = await send('POST', '/v1/events', jsonHeaders(appAuth), JSON.stringify({ type: 'help', message: 'x'.repeat(1_100_000) }));
    expect(tooBig.status).toBe(413);
    console.log(`hostile-input: nested and huge bodies rejected in ${Math.round(performance.now() - started)} ms in all`);
    expect(await snapshot()).toBe(digest);
  });
});
