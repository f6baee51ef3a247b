/**
 * The rooms scenario's clients in their own process, so their CPU is not charged to classbell's API
 * processes: room entries (undici), one Server-Sent Events stream per user (node:http, one
 * connection each), and the host's actions. Entries, actions and arrivals are timed on this
 * process's clock (nowEpochMs), so a notification's latency never crosses processes.
 * Controlled over IPC (bench/lib/room-clients.ts).
 */
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Pool } from 'undici';
import { nowEpochMs } from './lib/receiver-protocol.js';
import {
  notificationSig, type ActionTiming, type EnterJob, type EnterResult, type EntryOutcome, type FanoutJob, type FanoutResult,
  type OpenJob, type OpenResult, type RoomClientsReply, type RoomClientsRequest, type StreamLog,
} from './lib/room-protocol.js';

interface Envelope {
  code?: unknown;
  data?: { roomId?: unknown; userId?: unknown; userToken?: unknown } | null;
}

function envelope(text: string): Envelope | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Envelope) : null;
  } catch {
    return null;
  }
}

const pools = new Map<string, Pool>();
function pool(origin: string, connections: number): Pool {
  let p = pools.get(origin);
  if (!p) {
    p = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.set(origin, p);
  }
  return p;
}

async function post(origin: string, path: string, headers: Record<string, string>, body: string, connections: number): Promise<{ status: number; text: string }> {
  const response = await pool(origin, connections).request({ method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.statusCode, text: await response.body.text() };
}

async function enter(job: EnterJob): Promise<EnterResult> {
  const outcomes: EntryOutcome[] = new Array<EntryOutcome>(job.bodies.length);
  let next = 0;
  const started = nowEpochMs();
  const lane = async () => {
    while (next < job.bodies.length) {
      const i = next++;
      const origin = job.origins[i % job.origins.length]!;
      const startMs = nowEpochMs();
      let outcome: EntryOutcome;
      try {
        const reply = await post(origin, job.path, { authorization: job.authorization }, job.bodies[i]!, job.inFlight);
        const endMs = nowEpochMs();
        const env = envelope(reply.text);
        const data = env?.data ?? null;
        const good = reply.status === 200 && env?.code === 0 && typeof data?.roomId === 'string' && typeof data.userId === 'number' && typeof data.userToken === 'string';
        outcome = {
          status: reply.status, code: typeof env?.code === 'number' ? env.code : null,
          roomId: good ? String(data?.roomId) : '', userId: good ? Number(data?.userId) : 0, userToken: good ? String(data?.userToken) : '',
          startMs, endMs, failure: good ? null : `HTTP ${reply.status}: ${reply.text.slice(0, 200)}`,
        };
      } catch (error) {
        outcome = { status: 0, code: null, roomId: '', userId: 0, userToken: '', startMs, endMs: nowEpochMs(), failure: error instanceof Error ? error.message : String(error) };
      }
      outcomes[i] = outcome;
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.inFlight, job.bodies.length) }, lane));
  return { outcomes, elapsedMs: nowEpochMs() - started };
}

interface Stream {
  log: StreamLog;
  req: ClientRequest;
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
let streams: Stream[] = [];
/** Called after every arrival (the fanout job's wait). */
let onArrival: () => void = () => undefined;
/** Starts the fanout job's delivery timeout once its last action is out. */
let armTimeout: () => void = () => undefined;

function closeStreams(): void {
  for (const s of streams) s.req.destroy();
  streams = [];
}

/** A minimal EventSource over node:http: every `id:`/`data:` block is one arrival, timed at its chunk. */
function openStream(origin: string, path: string, token: string): Promise<Stream> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const log: StreamLog = { ended: false, messages: [] };
    const req = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, agent, headers: { accept: 'text/event-stream', token } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`SSE ${path}: HTTP ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const atMs = nowEpochMs();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          const message = JSON.parse(data) as { cmd: number; seq: number; data: Record<string, unknown> };
          log.messages.push({ seq: message.seq, cmd: message.cmd, sig: notificationSig(message.cmd, message.data), atMs });
        }
        onArrival();
      });
      const ended = () => {
        log.ended = true;
        onArrival();
      };
      res.on('end', ended);
      res.on('close', ended);
      resolve({ log, req });
    });
    req.on('error', reject);
    req.end();
  });
}

async function open(job: OpenJob): Promise<OpenResult> {
  closeStreams();
  const started = nowEpochMs();
  streams = await Promise.all(job.streams.map((s) => openStream(s.origin, s.path, s.token)));
  return { opened: streams.length, elapsedMs: nowEpochMs() - started };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fanout(job: FanoutJob): Promise<FanoutResult> {
  for (const s of streams) s.log.messages = [];
  const want = job.actions.length;
  const done = () => streams.every((s) => s.log.messages.length >= want || s.log.ended);
  const allArrived = new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    onArrival = () => {
      if (!done()) return;
      clearTimeout(timer);
      resolve(true);
    };
    // Armed once the last action is out (below); until then only `done` can resolve.
    armTimeout = () => {
      if (done()) resolve(true);
      else timer = setTimeout(() => resolve(false), job.timeoutMs);
    };
  });
  const actions: ActionTiming[] = [];
  const t0 = nowEpochMs();
  for (let i = 0; i < job.actions.length; i++) {
    const wait = t0 + i * job.spacingMs - nowEpochMs();
    if (wait > 0) await sleep(wait);
    const action = job.actions[i]!;
    const startMs = nowEpochMs();
    const reply = await post(job.origin, action.path, { token: job.token }, action.body, 1);
    const replyMs = nowEpochMs();
    const code = envelope(reply.text)?.code;
    actions.push({ startMs, replyMs, status: reply.status, code: typeof code === 'number' ? code : null });
  }
  armTimeout();
  const complete = (await allArrived) && streams.every((s) => s.log.messages.length >= want);
  onArrival = () => undefined;
  return { actions, streams: streams.map((s) => ({ ended: s.log.ended, messages: s.log.messages })), complete };
}
function reply(message: RoomClientsReply): void {
  process.send?.(message);
}

process.on('message', (message: RoomClientsRequest) => {
  if (message.op === 'close') {
    closeStreams();
    void Promise.all([...pools.values()].map((p) => p.close())).finally(() => {
      reply({ id: message.id, ok: true });
      process.disconnect();
    });
    return;
  }
  const work: Promise<RoomClientsReply> =
    message.op === 'enter' ? enter(message).then((enter) => ({ id: message.id, ok: true, enter }))
      : message.op === 'open' ? open(message).then((open) => ({ id: message.id, ok: true, open }))
        : fanout(message).then((fanout) => ({ id: message.id, ok: true, fanout }));
  work.then(reply, (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }));
});
process.send?.({ ready: true });
