/**
 * The bench's school endpoints, run in a child process so their CPU is not charged to classbell:
 * one HTTP server on loopback, path `/s/<sid>`, answering every push with `errno: 1` (keep-alive).
 * `/sink` acknowledges without recording (HTTP client comparison); `/slow/<sid>` acknowledges
 * after 2 s without recording (a slow school). Controlled over IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACK_BODY, nowEpochMs, type ReceiverReady, type ReceiverReply, type ReceiverRequest, type ReceiverStats } from './lib/receiver-protocol.js';

const PATH = /^\/s\/(\d+)$/;
/** A slow school (isolation scenario): acknowledged after SLOW_REPLY_MS, not recorded. */
const SLOW_PATH = /^\/slow\/(\d+)$/;
const SLOW_REPLY_MS = 2000;

interface Waiter {
  count: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

class Recorder {
  stats: ReceiverStats = Recorder.empty();
  ids: string[] = [];
  atMs: number[] = [];
  private seen = new Set<string>();
  private lastSeq = new Map<number, number>();
  private waiters: Waiter[] = [];

  private static empty(): ReceiverStats {
    return { events: 0, testPushes: 0, slowPushes: 0, orderViolations: 0, duplicates: 0, malformed: 0, bodyBytes: 0, firstAtMs: null, lastAtMs: null, samples: [] };
  }

  reset(): void {
    this.stats = Recorder.empty();
    this.ids = [];
    this.atMs = [];
    this.seen = new Set();
    this.lastSeq = new Map();
  }

  record(sid: number, raw: string, atMs: number): void {
    let body: { SID?: unknown; Cmd?: unknown; UID?: unknown; _id?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      this.stats.malformed++;
      return;
    }
    if (body.Cmd === 'Test') {
      this.stats.testPushes++;
      return;
    }
    const id = typeof body._id === 'string' ? body._id : '';
    const seq = typeof body.UID === 'number' ? body.UID : NaN;
    if (body.SID !== sid || id === '' || Number.isNaN(seq)) this.stats.malformed++;
    const s = this.stats;
    s.events++;
    s.bodyBytes += Buffer.byteLength(raw);
    s.firstAtMs ??= atMs;
    s.lastAtMs = atMs;
    this.ids.push(id);
    this.atMs.push(atMs);
    const last = this.lastSeq.get(sid);
    if (this.seen.has(id)) {
      s.duplicates++;
      if (s.samples.length < 10) s.samples.push(`duplicate: school ${sid} ${id} seq ${seq} after ${last} at ${atMs.toFixed(1)}`);
      return;
    }
    this.seen.add(id);
    if (last !== undefined && seq <= last) {
      s.orderViolations++;
      if (s.samples.length < 10) s.samples.push(`order: school ${sid} ${id} seq ${seq} after ${last} at ${atMs.toFixed(1)}`);
    }
    this.lastSeq.set(sid, seq);
    if (this.waiters.length > 0) this.wake();
  }

  waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.stats.events >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        count,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    const done = this.waiters.filter((w) => this.stats.events >= w.count);
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => this.stats.events < w.count);
    for (const w of done) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }
}

const recorder = new Recorder();

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const atMs = nowEpochMs();
    const raw = Buffer.concat(chunks).toString('utf8');
    const match = PATH.exec(req.url ?? '');
    if (req.url === '/sink') {
      JSON.parse(raw); // same parsing work as a recorded push, nothing kept
      answer(res, 200, ACK_BODY);
      return;
    }
    if (SLOW_PATH.test(req.url ?? '')) {
      recorder.stats.slowPushes++;
      setTimeout(() => answer(res, 200, ACK_BODY), SLOW_REPLY_MS);
      return;
    }
    if (req.method !== 'POST' || !match) {
      answer(res, 404, '{"error":"not found"}');
      return;
    }
    recorder.record(Number(match[1]), raw, atMs);
    answer(res, 200, ACK_BODY);
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.headersTimeout = 65_000;

function reply(message: ReceiverReply): void {
  process.send?.(message);
}

async function onRequest(request: ReceiverRequest): Promise<void> {
  switch (request.op) {
    case 'reset':
      recorder.reset();
      return reply({ id: request.id, ok: true });
    case 'waitFor': {
      const reached = await recorder.waitFor(request.count, request.timeoutMs);
      return reply({ id: request.id, ok: true, stats: recorder.stats, reached });
    }
    case 'stats':
      return reply({ id: request.id, ok: true, stats: recorder.stats });
    case 'arrivals':
      return reply({ id: request.id, ok: true, arrivals: { ids: recorder.ids, atMs: recorder.atMs } });
    case 'close':
      server.closeAllConnections();
      server.close();
      reply({ id: request.id, ok: true });
      process.disconnect();
      return;
  }
}

process.on('message', (message: ReceiverRequest) => {
  onRequest(message).catch((error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }));
});
// The bench process went away: nothing left to serve.
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
});

server.listen(0, '127.0.0.1', () => {
  const ready: ReceiverReady = { ready: true, port: (server.address() as AddressInfo).port };
  process.send?.(ready);
});
