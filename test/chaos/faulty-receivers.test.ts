/**
 * Faulty receivers (issue 6, point 3): schools whose endpoints misbehave in every way we know of,
 * next to healthy schools, all drained by one worker process. Each faulty head gets the right
 * outcome in its attempts and is retried (never passed over); the healthy schools are not held
 * back; the worker's memory stays bounded; nothing crashes.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver, type Reply } from '../helpers/receiver.js';
import { REDIS_URL, admin, createApp, createHarness, createSchool, type Harness } from '../helpers/harness.js';
import { classbellEnv, killHard, memoryOf, spawnClassbell, stop, until, type Proc } from './support.js';

const DELIVERY_TIMEOUT_MS = 1000;
const RSS_BOUND_MB = 300;
const HUGE_BYTES = 50 * 1024 * 1024;
const HEALTHY_SCHOOLS = 5;
const HEALTHY_EVENTS = 300;
const FAULTY_EVENTS = 3;
const MIN_ATTEMPTS = 3;

interface Attempt { n: number; outcome: string; httpStatus: number | null; errno: number | null; durationMs: number; response: string | null }

/** An HTTP server on loopback that acknowledges the registration test and hands events to `onEvent`. */
async function eventServer(onEvent: (req: IncomingMessage, res: ServerResponse, body: string) => void, host = '127.0.0.1') {
  const state = { events: 0, server: undefined as unknown as HttpServer };
  state.server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('"Cmd":"Test"')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(ACK);
        return;
      }
      state.events++;
      onEvent(req, res, body);
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, host, resolve));
  const url = `http://${host}:${(state.server.address() as AddressInfo).port}/classin`;
  return { state, url, close: () => new Promise<void>((resolve) => { state.server.closeAllConnections(); state.server.close(() => resolve()); }) };
}

/** Streams `bytes` of a 200 reply that starts like an acknowledgement, respecting backpressure. */
function streamHuge(res: ServerResponse, bytes: number, sent: { bytes: number; completed: number; maxPerReply: number }): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes) });
  const head = Buffer.from('{"error_info":{"errno":1},"pad":"');
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let left = bytes;
  res.on('close', () => (sent.maxPerReply = Math.max(sent.maxPerReply, bytes - left)));
  const write = () => {
    while (left > 0 && !res.destroyed) {
      const piece = left === bytes ? head : left < chunk.length ? chunk.subarray(0, left) : chunk;
      left -= piece.length;
      sent.bytes += piece.length;
      if (!res.write(piece)) {
        res.once('drain', write);
        return;
      }
    }
    if (left <= 0) {
      sent.completed++;
      res.end();
    }
  };
  write();
}

describe('chaos: faulty receivers next to healthy ones', () => {
  let h: Harness;
  let worker: Proc | undefined;
  const closers: (() => Promise<void>)[] = [];
  const tcpSockets: Socket[] = [];

  beforeAll(async () => {
    h = await createHarness('chaosfaulty', { workers: false });
  });
  afterAll(async () => {
    if (worker) await stop(worker, 5000).catch(() => killHard(worker!));
    for (const s of tcpSockets) s.destroy();
    await Promise.all(closers.map((c) => c()));
    await h?.close();
  });

  it('records the right outcome for each fault, retries the head, never blocks healthy schools, stays under the memory bound', async () => {
    const { auth } = await createApp(h.app);
    const withReceiver = async (reply: (i: number) => Reply) => {
      const r = await new Receiver().start();
      let i = 0;
      r.reply = (p) => (p.body.Cmd === 'Test' ? { body: ACK } : reply(i++));
      closers.push(() => r.stop());
      return { url: r.url, events: () => r.events().length };
    };

    // "Another host": a receiver on 127.0.0.2, where the redirect points. It must never be called.
    const elsewhere = await eventServer((_req, res) => res.writeHead(200).end(ACK), '127.0.0.2');
    closers.push(elsewhere.close);
    let elsewhereHits = 0;
    elsewhere.state.server.on('request', () => elsewhereHits++);

    const huge = { bytes: 0, replies: 0, completed: 0, maxPerReply: 0 };
    const hugeServer = await eventServer((_req, res) => {
      huge.replies++;
      streamHuge(res, HUGE_BYTES, huge);
    });
    closers.push(hugeServer.close);
    const redirect = await eventServer((_req, res) => res.writeHead(302, { location: elsewhere.url, 'content-type': 'text/plain' }).end('moved'));
    closers.push(redirect.close);

    // Accepts the TCP connection and reads the request, but never answers (except the test push).
    const blackhole: TcpServer = createTcpServer((socket) => {
      tcpSockets.push(socket);
      let seen = '';
      socket.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('"Cmd":"Test"') && seen.includes('}')) {
          seen = '';
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(ACK)}\r\n\r\n${ACK}`);
        } else if (seen.includes('}')) {
          blackholeRequests++;
          seen = '';
        }
      });
      socket.on('error', () => undefined);
    });
    let blackholeRequests = 0;
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => blackhole.close(() => resolve())));

    const faulty: { name: string; sid: number; url: string; expected: Partial<Attempt>; hits: () => number }[] = [];
    const add = (name: string, target: { url: string; events: () => number }, expected: Partial<Attempt>) => {
      faulty.push({ name, sid: 9500 + faulty.length, url: target.url, expected, hits: target.events });
    };
    add('HTTP 500', await withReceiver(() => ({ status: 500, body: '{"error":"boom"}' })), { outcome: 'rejected', httpStatus: 500 });
    add('200, not JSON', await withReceiver(() => ({ status: 200, body: '<html>OK</html>' })), { outcome: 'bad_response', httpStatus: 200, errno: null });
    add('errno 0', await withReceiver(() => ({ body: JSON.stringify({ error_info: { errno: 0, error: 'no' } }) })), { outcome: 'rejected', httpStatus: 200, errno: 0 });
    add('errno "1"', await withReceiver(() => ({ body: JSON.stringify({ error_info: { errno: '1', error: 'ok' } }) })), { outcome: 'bad_response', httpStatus: 200, errno: null });
    add('ACK after 30 s', await withReceiver(() => ({ body: ACK, delayMs: 30_000 })), { outcome: 'timeout', httpStatus: null, errno: null });
    add('connection reset', await withReceiver(() => ({ destroy: true })), { outcome: 'network_error', httpStatus: null });
    add('50 MB body', { url: hugeServer.url, events: () => huge.replies }, { outcome: 'bad_response', httpStatus: 200, errno: null });
    add('302 to another host', { url: redirect.url, events: () => redirect.state.events }, { outcome: 'rejected', httpStatus: 302 });
    add('never answers', { url: `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}/classin`, events: () => blackholeRequests }, { outcome: 'timeout', httpStatus: null });

    const healthy: { sid: number; receiver: Receiver }[] = [];
    for (let k = 0; k < HEALTHY_SCHOOLS; k++) {
      const receiver = await new Receiver().start();
      closers.push(() => receiver.stop());
      healthy.push({ sid: 9600 + k, receiver });
    }

    worker = spawnClassbell('worker', classbellEnv(h.prefix, REDIS_URL, {
      DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS), RETRY_SCHEDULE: '200ms,500ms', WORKER_CONCURRENCY: '10',
    }));
    for (const f of faulty) await createSchool(h.app, f.sid, f.url);
    for (const s of healthy) await createSchool(h.app, s.sid, s.receiver.url);
    await until('every school active', async () => {
      const items = (await request(h.app).get('/v1/schools').set(admin)).body.items as { status: string }[];
      return items.length === faulty.length + healthy.length && items.every((s) => s.status === 'active');
    }, 30_000);

    const baselineRssMb = memoryOf(worker.pid)?.rssMb ?? 0;
    let maxRssMb = 0;
    const sampler = setInterval(() => (maxRssMb = Math.max(maxRssMb, memoryOf(worker!.pid)?.peakMb ?? 0)), 100);
    try {
      // The faulty schools' events go in first, so they are at the front of the queue.
      const heads = new Map<number, string[]>();
      for (const f of faulty) {
        const events = Array.from({ length: FAULTY_EVENTS }, (_, i) => ({ type: 'stage', sid: f.sid, classId: 1, uid: i + 1, up: true }));
        heads.set(f.sid, (await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202)).body.accepted as string[]);
      }
      const started = Date.now();
      const healthyIds = new Map<number, string[]>();
      for (const s of healthy) {
        const events = Array.from({ length: HEALTHY_EVENTS }, (_, i) => ({ type: 'stage', sid: s.sid, classId: 1, uid: i + 1, up: true }));
        healthyIds.set(s.sid, (await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202)).body.accepted as string[]);
      }
      await until('the healthy schools delivered', async () => {
        for (const s of healthy) if ((await request(h.app).get(`/v1/schools/${s.sid}/stats`).set(admin)).body.delivered !== HEALTHY_EVENTS) return false;
        return true;
      }, 60_000, 250);
      const healthyMs = Date.now() - started;
      for (const s of healthy) {
        const ids = [...new Set(s.receiver.events().map((p) => p.body._id as string))];
        expect(ids).toEqual(healthyIds.get(s.sid));
      }

      const details = new Map<number, { status: string; attempts: Attempt[] }>();
      await until(`${MIN_ATTEMPTS} attempts at every faulty head`, async () => {
        for (const f of faulty) {
          const body = (await request(h.app).get(`/v1/events/${heads.get(f.sid)![0]}`).set(admin)).body as { status: string; attempts: Attempt[] };
          details.set(f.sid, body);
        }
        return faulty.every((f) => details.get(f.sid)!.attempts.length >= MIN_ATTEMPTS);
      }, 60_000, 500);

      const lines: string[] = [];
      const wrong: string[] = [];
      for (const f of faulty) {
        const detail = details.get(f.sid)!;
        const stats = (await request(h.app).get(`/v1/schools/${f.sid}/stats`).set(admin)).body as { delivered: number; backlog: number; headAttempts: number; lastError: string };
        const outcomes = detail.attempts.map((a) => a.outcome);
        for (const a of detail.attempts) {
          const differs = Object.entries(f.expected).filter(([k, v]) => a[k as keyof Attempt] !== v);
          if (differs.length > 0) wrong.push(`${f.name}: attempt ${a.n} ${JSON.stringify(a)} expected ${JSON.stringify(f.expected)}`);
        }
        // Still the head: not acknowledged, nothing behind it pushed, nothing lost.
        expect(detail.status, f.name).toBe('failing');
        expect(stats.delivered, f.name).toBe(0);
        expect(stats.backlog, f.name).toBe(FAULTY_EVENTS);
        expect(f.hits(), `${f.name}: pushes reaching the endpoint`).toBeGreaterThanOrEqual(MIN_ATTEMPTS);
        const maxMs = Math.max(...detail.attempts.map((a) => a.durationMs));
        lines.push(`${f.name} → ${outcomes.join(',')} (${detail.attempts[0]!.httpStatus ?? '-'}/${detail.attempts[0]!.errno ?? '-'}, max ${Math.round(maxMs)} ms; lastError "${stats.lastError}")`);
      }
      expect(wrong).toEqual([]);
      // The 30 s receiver finally answers with an acknowledgement: too late, it must not count.
      const slow = faulty.find((f) => f.name === 'ACK after 30 s')!;
      await until('the first 30 s reply sent', () => Date.now() - started > 31_000, 40_000, 500);
      const slowStats = (await request(h.app).get(`/v1/schools/${slow.sid}/stats`).set(admin)).body as { delivered: number; backlog: number };
      const slowDetail = (await request(h.app).get(`/v1/events/${heads.get(slow.sid)![0]}`).set(admin)).body as { status: string; attempts: Attempt[] };
      expect(slowStats).toMatchObject({ delivered: 0, backlog: FAULTY_EVENTS });
      expect(slowDetail.status).toBe('failing');
      expect(slowDetail.attempts.every((a) => a.outcome === 'timeout')).toBe(true);
      // The redirect was not followed; the huge reply was cut off long before its end.
      expect(elsewhereHits).toBe(0);
      expect(huge.completed).toBe(0);
      expect(huge.maxPerReply).toBeLessThan(HUGE_BYTES);
      maxRssMb = Math.max(maxRssMb, memoryOf(worker.pid)?.peakMb ?? 0);
      expect(worker.alive(), 'the worker process is still running').toBe(true);
      const errors = worker.output().split('\n').filter((l) => l.includes('"level":"error"') || /Unhandled|FATAL|heap out of memory/i.test(l));
      expect(errors).toEqual([]);
      expect(maxRssMb).toBeLessThan(RSS_BOUND_MB);

      console.log(`chaos faulty-receivers: ${faulty.length} faulty schools × ${FAULTY_EVENTS} events, ${HEALTHY_SCHOOLS} healthy schools × ${HEALTHY_EVENTS} events ` +
        `delivered in ${(healthyMs / 1000).toFixed(1)} s meanwhile (WORKER_CONCURRENCY 10, DELIVERY_TIMEOUT_MS ${DELIVERY_TIMEOUT_MS}); ` +
        `redirect target hits ${elsewhereHits}; 50 MB replies: ${huge.replies}, none read to the end (at most ${(huge.maxPerReply / 1024 / 1024).toFixed(1)} MB of one left the receiver before classbell closed the connection — socket buffers); ` +
        `worker RSS ${baselineRssMb.toFixed(0)} MB before the faults, peak ${maxRssMb.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB); ` +
        `the 30 s receiver's late ACKs ignored (${slowDetail.attempts.length} timeouts, 0 delivered after ${((Date.now() - started) / 1000).toFixed(0)} s)`);
      for (const line of lines) console.log(`  ${line}`);
    } finally {
      clearInterval(sampler);
    }
  }, 180_000);
});
