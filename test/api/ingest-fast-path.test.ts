/**
 * POST /v1/events on its fast path (src/api/ingest-fast-path.ts) against the express route: the
 * same requests, sent as raw bytes to two classbell instances set up alike, one through the fast
 * path (`/v1/events`) and one through express (`/v1/events?`: the same route for express, not
 * taken by the fast path), must get the same status, headers and body — and each side must have
 * been served by the path the test meant (the `classbell_ingest_requests_total` counter).
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createHarness, createSchool, handsUp, type Harness } from '../helpers/harness.js';

interface Side {
  h: Harness;
  server: Server;
  auth: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The headers an answer is compared on (Date and the connection's own aside). */
const COMPARED = ['content-type', 'content-length', 'x-request-id', 'retry-after', 'connection'];

async function side(name: string): Promise<Side> {
  const h = await createHarness(name, { workers: false, env: { INGEST_RATE_LIMIT_PER_S: '50' } });
  const { auth } = await createApp(h.app);
  await createSchool(h.app, 301, 'http://127.0.0.1:9/none');
  await createSchool(h.app, 302, 'http://127.0.0.1:9/none');
  const server = await new Promise<Server>((resolve) => {
    const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { h, server, auth: auth.Authorization };
}

function post(s: Side, path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1', port: (s.server.address() as AddressInfo).port, method: 'POST', path,
      headers: { authorization: s.auth, 'content-length': String(body.length), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        headers: Object.fromEntries(COMPARED.map((name) => [name, res.headers[name] as string | undefined])),
        body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function served(s: Side): Promise<{ fast: number; express: number }> {
  const values = (await s.h.deps.metrics.ingestRequests.get()).values;
  const of = (path: string) => values.find((v) => v.labels.path === path)?.value ?? 0;
  return { fast: of('fast'), express: of('express') };
}

describe('POST /v1/events: the fast path answers as the express route does', () => {
  let fast: Side;
  let slow: Side;
  beforeAll(async () => {
    [fast, slow] = await Promise.all([side('fastpath-a'), side('fastpath-b')]);
    // The first request of an app logs it in through express; from then on its login is cached.
    const warm = Buffer.from(JSON.stringify({ ...handsUp(301, 1), id: 'warm-up' }));
    for (const s of [fast, slow]) expect((await post(s, '/v1/events', warm, { 'content-type': 'application/json' })).status).toBe(202);
  });
  afterAll(async () => {
    for (const s of [fast, slow]) {
      await new Promise<void>((resolve) => s.server.close(() => resolve()));
      await s.h.close();
    }
  });

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const JSON_TYPE = { 'content-type': 'application/json' };
  /** [case, body, headers, the path the fast side must take] */
  const cases: [string, Buffer, Record<string, string>, 'fast' | 'express'][] = [
    ['one event', json({ ...handsUp(301, 2), id: 'e-1' }), JSON_TYPE, 'fast'],
    ['the same event again: a duplicate', json({ ...handsUp(301, 2), id: 'e-1' }), JSON_TYPE, 'fast'],
    ['a batch', json({ events: [{ ...handsUp(301, 3), id: 'e-2' }, { ...handsUp(302, 3), id: 'e-3' }, { ...handsUp(301, 4), id: 'e-1' }] }), JSON_TYPE, 'fast'],
    ['a batch with invalid events: every problem, nothing stored', json({ events: [{ ...handsUp(301, 5), id: 'e-4' }, { ...handsUp(301, 6), uid: 'x' }, { type: 'nope', sid: 301 }] }), JSON_TYPE, 'fast'],
    ['an unknown school', json({ ...handsUp(399, 1), id: 'e-5' }), JSON_TYPE, 'fast'],
    ['JSON cut short', Buffer.from('{"sid": 301, "type":'), JSON_TYPE, 'fast'],
    ['a string, not an object', Buffer.from('"hands_up"'), JSON_TYPE, 'fast'],
    ['a number after whitespace', Buffer.from(' \n 5'), JSON_TYPE, 'fast'],
    ['only whitespace', Buffer.from('  \t '), JSON_TYPE, 'fast'],
    ['an empty body', Buffer.alloc(0), JSON_TYPE, 'fast'],
    ['a byte-order mark before the JSON', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json({ ...handsUp(301, 7), id: 'e-6' })]), JSON_TYPE, 'fast'],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"sid":301,"type":"hands_up","classId":1,"uid":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","up":true}')]), JSON_TYPE, 'fast'],
    ['charset=utf-8 and a request id', json({ ...handsUp(302, 8), id: 'e-7' }), { 'content-type': 'Application/JSON; charset="UTF-8"', 'x-request-id': 'req-42' }, 'fast'],
    ['an error with a request id', Buffer.from('[1,'), { 'content-type': 'application/json', 'x-request-id': 'req-43' }, 'fast'],
    ['text/plain: left to express', json({ ...handsUp(301, 9), id: 'e-8' }), { 'content-type': 'text/plain' }, 'express'],
    ['another charset: left to express', json({ ...handsUp(301, 9), id: 'e-9' }), { 'content-type': 'application/json; charset=latin1' }, 'express'],
    ['a compressed body: left to express', Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'express'],
    // Last: 51 events are over the limit of 50 per second whatever came before in that second.
    ['over the rate limit', json({ events: Array.from({ length: 51 }, (_, i) => ({ ...handsUp(301, 100 + i), id: `r-${i}` })) }), JSON_TYPE, 'fast'],
  ];

  it.each(cases)('%s', async (_name, body, headers, expected) => {
    const [fastBefore, slowBefore] = await Promise.all([served(fast), served(slow)]);
    const viaFast = await post(fast, '/v1/events', body, headers);
    const viaExpress = await post(slow, '/v1/events?', body, headers);
    const [fastAfter, slowAfter] = await Promise.all([served(fast), served(slow)]);

    expect(slowAfter.fast - slowBefore.fast).toBe(0);
    if (expected === 'fast') {
      expect(fastAfter).toEqual({ fast: fastBefore.fast + 1, express: fastBefore.express });
    } else {
      // Both sides through express alike (the route counts only what its body parser let through).
      expect(fastAfter.fast - fastBefore.fast).toBe(0);
      expect(fastAfter.express - fastBefore.express).toBe(slowAfter.express - slowBefore.express);
    }

    const generatedId = headers['x-request-id'] === undefined;
    const normalize = (a: Answer) => {
      const id = a.headers['x-request-id'];
      const swap = (s: string | undefined) => (generatedId && id !== undefined && s !== undefined ? s.split(id).join('<request id>') : s);
      return { ...a, body: swap(a.body), headers: { ...a.headers, 'x-request-id': swap(id) } };
    };
    expect(normalize(viaFast)).toEqual(normalize(viaExpress));
    if (generatedId) expect(viaFast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves a first login to express, then takes the app\'s requests', async () => {
    const { auth } = await createApp(fast.h.app);
    const other = { ...fast, auth: auth.Authorization };
    const before = await served(fast);
    const body = json({ ...handsUp(302, 20), id: 'login-1' });
    expect((await post(other, '/v1/events', body, JSON_TYPE)).status).toBe(202);
    const between = await served(fast);
    expect(between).toEqual({ fast: before.fast, express: before.express + 1 });
    expect((await post(other, '/v1/events', json({ ...handsUp(302, 21), id: 'login-2' }), JSON_TYPE)).status).toBe(202);
    expect(await served(fast)).toEqual({ fast: between.fast + 1, express: between.express });
  });

  it('leaves a credential it has not proven to express: a wrong password gets the route\'s 401', async () => {
    const wrong = { ...fast, auth: `Basic ${Buffer.from('nobody:wrong').toString('base64')}` };
    const before = await served(fast);
    const answer = await post(wrong, '/v1/events', json(handsUp(301, 1)), JSON_TYPE);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe('unauthorized');
    expect(await served(fast)).toEqual(before);
  });
});
