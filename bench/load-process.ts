/**
 * A small undici load generator in its own process (the role autocannon or wrk would play), so its
 * CPU is not charged to the server it measures. Controlled over IPC (bench/lib/load-client.ts).
 */
import { Pool } from 'undici';
import type { LanesResult, LoadJob, LoadReply, LoadRequest, LoadResult, PrepareLanesJob } from './lib/load-protocol.js';
import { nowEpochMs } from './lib/receiver-protocol.js';
import { percentile } from './lib/stats.js';

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, { connections: job.inFlight, pipelining: 1, keepAliveTimeout: 60_000 });
  const path = `${url.pathname}${url.search}`;
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const deadline = started + job.durationMs;
  const lane = async () => {
    while (sent < job.requests && performance.now() < deadline) {
      const body = job.bodies[sent++ % job.bodies.length]!;
      const t0 = performance.now();
      try {
        const response = await pool.request({ method: 'POST', path, headers: job.headers, body });
        const text = await response.body.text();
        if (response.statusCode === job.expectStatus) {
          ok++;
          latencies.push(performance.now() - t0);
        } else {
          failed++;
          firstFailure ??= `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
        }
      } catch (error) {
        failed++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: job.inFlight }, lane));
  const elapsedMs = performance.now() - started;
  await pool.close();
  return {
    requests: sent, ok, failed, elapsedMs, okPerS: ok / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), firstFailure,
  };
}

let prepared: { job: PrepareLanesJob; pool: Pool; path: string } | undefined;

/** Opens the connections of a flood's lanes ahead of it (not timed). */
async function prepareLanes(job: PrepareLanesJob): Promise<void> {
  await prepared?.pool.close();
  const url = new URL(job.url);
  prepared = { job, pool: new Pool(url.origin, { connections: job.lanes.length, pipelining: 1, keepAliveTimeout: 60_000 }), path: `${url.pathname}${url.search}` };
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
      try {
        const response = await pool.request({ method: 'POST', path, headers: job.headers, body });
        const text = await response.body.text();
        lastAckMs = Math.max(lastAckMs, nowEpochMs());
        if (response.statusCode !== job.expectStatus) {
          failed++;
          firstFailure ??= `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
        }
      } catch (error) {
        failed++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  }));
  await pool.close();
  return { firstStartMs, lastAckMs, requests, failed, firstFailure };
}

function reply(message: LoadReply): void {
  process.send?.(message);
}

process.on('message', (message: LoadRequest) => {
  if (message.op === 'close') {
    reply({ id: message.id, ok: true });
    process.disconnect();
    return;
  }
  if (message.op === 'prepare-lanes') {
    prepareLanes(message).then(
      () => reply({ id: message.id, ok: true }),
      (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  if (message.op === 'run-lanes') {
    runLanes().then(
      (lanes) => reply({ id: message.id, ok: true, lanes }),
      (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  run(message).then(
    (result) => reply({ id: message.id, ok: true, result }),
    (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.send?.({ ready: true });
