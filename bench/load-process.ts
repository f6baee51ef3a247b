/**
 * A small undici load generator in its own process (the role autocannon or wrk would play), so its
 * CPU is not charged to the server it measures. Controlled over IPC (bench/lib/load-client.ts).
 */
import { Pool } from 'undici';
import type { LanesResult, LoadJob, LoadReply, LoadRequest, LoadResult, PacedJob, PacedResult, PrepareLanesJob } from './lib/load-protocol.js';
import { nowEpochMs } from './lib/receiver-protocol.js';
import { percentile } from './lib/stats.js';

/** One POST: null when it answered `expectStatus`, else what went wrong (for the first failure). */
async function post(pool: Pool, path: string, headers: Record<string, string>, body: string, expectStatus: number): Promise<string | null> {
  try {
    const response = await pool.request({ method: 'POST', path, headers, body });
    const text = await response.body.text();
    return response.statusCode === expectStatus ? null : `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function target(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

async function run(job: LoadJob): Promise<LoadResult> {
  const { origin, path } = target(job.url);
  const pool = new Pool(origin, { connections: job.inFlight, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const deadline = started + job.durationMs;
  const lane = async () => {
    while (sent < job.requests && performance.now() < deadline) {
      const body = job.bodies[sent++ % job.bodies.length]!;
      const t0 = performance.now();
      const failure = await post(pool, path, job.headers, body, job.expectStatus);
      if (failure === null) latencies.push(performance.now() - t0);
      else {
        failed++;
        firstFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: job.inFlight }, lane));
  const elapsedMs = performance.now() - started;
  await pool.close();
  const ok = latencies.length;
  return {
    requests: sent, ok, failed, elapsedMs, okPerS: ok / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), firstFailure,
  };
}

/**
 * One pool per target and lane count, kept across floods: a flood's unmeasured warm-up opens the
 * connections its measured flood then uses.
 */
const pools = new Map<string, Pool>();
let prepared: { job: PrepareLanesJob; pool: Pool; path: string } | undefined;

function prepareLanes(job: PrepareLanesJob): void {
  const { origin, path } = target(job.url);
  const key = `${origin} ${job.lanes.length}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Pool(origin, { connections: job.lanes.length, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.set(key, pool);
  }
  prepared = { job, pool, path };
}

async function runLanes(): Promise<LanesResult> {
  if (!prepared) throw new Error('no lanes prepared');
  const { job, pool, path } = prepared;
  prepared = undefined;
  let requests = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  let lastAckMs = 0;
  const firstStartMs = nowEpochMs();
  await Promise.all(job.lanes.map(async (bodies) => {
    for (const body of bodies) {
      requests++;
      const failure = await post(pool, path, job.headers, body, job.expectStatus);
      lastAckMs = Math.max(lastAckMs, nowEpochMs());
      if (failure !== null) {
        failed++;
        firstFailure ??= failure;
      }
    }
  }));
  return { firstStartMs, lastAckMs, requests, failed, firstFailure };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The first id of a 202's `accepted` list ('' when there is none). */
function firstAccepted(text: string): string {
  try {
    const accepted = (JSON.parse(text) as { accepted?: unknown }).accepted;
    return Array.isArray(accepted) && typeof accepted[0] === 'string' ? accepted[0] : '';
  } catch {
    return '';
  }
}

async function paced(job: PacedJob): Promise<PacedResult> {
  const { origin, path } = target(job.url);
  const pool = new Pool(origin, { connections: job.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const count = job.bodies.length;
  const startMs = new Array<number>(count).fill(NaN);
  const answerMs = new Array<number>(count).fill(NaN);
  const ids = new Array<string>(count).fill('');
  const pending = new Map<number, Promise<void>>();
  const all: Promise<void>[] = [];
  let failed = 0;
  let firstFailure: string | null = null;
  let chained = 0;
  let lagMaxMs = 0;
  const fail = (why: string) => {
    failed++;
    firstFailure ??= why;
  };
  const send = async (k: number, before: Promise<void> | undefined) => {
    await before;
    startMs[k] = nowEpochMs();
    try {
      const response = await pool.request({ method: 'POST', path, headers: job.headers, body: job.bodies[k]! });
      const text = await response.body.text();
      answerMs[k] = nowEpochMs();
      if (response.statusCode === job.expectStatus) ids[k] = firstAccepted(text);
      else fail(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  };
  const intervalMs = 1000 / job.ratePerS;
  const begin = performance.now();
  let next = 0;
  while (next < count) {
    const waitMs = begin + next * intervalMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    // Everything due by now goes out (a timer fires late by up to a millisecond or so).
    for (let now = performance.now(); next < count && begin + next * intervalMs <= now; next++) {
      lagMaxMs = Math.max(lagMaxMs, now - (begin + next * intervalMs));
      const key = job.keys[next]!;
      const before = pending.get(key);
      if (before) chained++;
      const request = send(next, before);
      pending.set(key, request);
      void request.then(() => {
        if (pending.get(key) === request) pending.delete(key);
      });
      all.push(request);
    }
  }
  const offeredPerS = count / ((performance.now() - begin) / 1000);
  await Promise.all(all);
  await pool.close();
  return { startMs, answerMs, ids, failed, firstFailure, chained, lagMaxMs, offeredPerS };
}

function reply(message: LoadReply): void {
  process.send?.(message);
}

function answer<T>(id: number, work: Promise<T>, as: (value: T) => Partial<LoadReply>): void {
  work.then(
    (value) => reply({ id, ok: true, ...as(value) } as LoadReply),
    (error: unknown) => reply({ id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
}

process.on('message', (message: LoadRequest) => {
  switch (message.op) {
    case 'close':
      void Promise.all([...pools.values()].map((pool) => pool.close())).finally(() => {
        reply({ id: message.id, ok: true });
        process.disconnect();
      });
      return;
    case 'prepare-lanes':
      answer(message.id, Promise.resolve().then(() => prepareLanes(message)), () => ({}));
      return;
    case 'run-lanes':
      answer(message.id, runLanes(), (lanes) => ({ lanes }));
      return;
    case 'paced':
      answer(message.id, paced(message), (result) => ({ paced: result }));
      return;
    default:
      answer(message.id, run(message), (result) => ({ result }));
  }
});
process.send?.({ ready: true });
