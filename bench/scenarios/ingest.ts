/**
 * Ingest alone: classbell's API in its own process (`src/main.ts --role=api`, no workers), driven by
 * a load generator in another process. Batches of 100 at 4/8/16 requests in flight (events/s
 * accepted), then single-event posts against classbell and against a bare express handler that
 * parses the same JSON and does one XADD (also in its own process), in the same run.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Classbell, handsUp } from '../lib/classbell.js';
import { ClassbellProcess, profileDir, readProfile } from '../lib/child-classbell.js';
import { LoadGenerator } from '../lib/load-client.js';
import type { LoadResult } from '../lib/load-protocol.js';
import type { SelfTime } from '../lib/profile.js';
import { benchRedis, commandDeltas, commandStats, redisCpuSeconds, type CommandDelta } from '../lib/redis-util.js';
import { BATCH_SIZE, envInt, schoolIds } from '../lib/workload.js';
import type { ScenarioContext } from './context.js';

const BARE = fileURLToPath(new URL('../bare-ingest-process.ts', import.meta.url));
export const BATCH_IN_FLIGHT = [4, 8, 16] as const;

export interface IngestResult {
  schools: number;
  batchSize: number;
  /** Events per batch level. */
  batchEvents: number;
  /** events/s accepted (202) by in-flight requests, e.g. { "4": 41000, "8": …, "16": … }. */
  batchEventsPerS: Record<string, number>;
  batchP99Ms: Record<string, number>;
  bestBatchEventsPerS: number;
  bestBatchInFlight: number;
  /** Redis server CPU (user + sys) ÷ wall time during each batch level, % of one core. */
  batchRedisCpuPct: Record<string, number>;
  /** Redis commands per event at the best batch level (INFO commandstats deltas; nested Lua calls included). */
  redisPerBatchEvent: CommandDelta[];
  singleRedisCpuPct: number;
  bareRedisCpuPct: number;
  singleInFlight: number;
  singleSeconds: number;
  singlePerS: number;
  singleP50Ms: number;
  singleP99Ms: number;
  bareSinglePerS: number;
  bareSingleP50Ms: number;
  bareSingleP99Ms: number;
  /** classbell ÷ bare express + XADD, single-event posts. */
  singleRatio: number;
  failures: number;
  /** Redis commands per single-event request (INFO commandstats deltas), classbell and bare. */
  redisPerSingleRequest: CommandDelta[];
  redisPerBareRequest: CommandDelta[];
  /** `node --cpu-prof` of the API process over the whole scenario (BENCH_PROFILE=1), top self time. */
  apiProfile?: { total: SelfTime[]; byFile: SelfTime[] };
}

async function startBare(key: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(BARE, [key], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare express did not start within 20 s')), 20_000);
    child.once('error', reject);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/v1/events`,
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function ingestScenario(ctx: ScenarioContext): Promise<IngestResult> {
  const batchEvents = envInt('BENCH_INGEST_EVENTS', 50_000);
  const singleSeconds = envInt('BENCH_INGEST_SINGLE_S', 5);
  const singleInFlight = envInt('BENCH_INGEST_SINGLE_IN_FLIGHT', 16);
  // The in-process instance only registers schools and the app and cleans up; it runs no workers.
  const cb = await Classbell.start('ingest', { workers: false });
  const redis = benchRedis();
  const load = await LoadGenerator.start();
  const dir = ctx.profile ? await profileDir() : undefined;
  let api: ClassbellProcess | undefined;
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  const streamKey = `${cb.prefix}:bare-stream`;
  try {
    const sids = schoolIds(ctx.schools);
    await cb.createApp();
    await cb.registerSchoolsDirect(sids, (sid) => ctx.receiver.url(sid));
    api = await ClassbellProcess.start('api', cb.prefix, {}, dir ? { cpuProfileDir: dir } : {});
    bare = await startBare(streamKey);
    const headers = { authorization: cb.appAuthorization, 'content-type': 'application/json' };
    const url = `${api.origin}/v1/events`;
    // Ten different batches of 100 events, each event for a different school, sent round-robin.
    const batches = Array.from({ length: 10 }, (_, b) =>
      JSON.stringify({ events: Array.from({ length: BATCH_SIZE }, (_, i) => handsUp(sids[(b * BATCH_SIZE + i) % sids.length]!, b + 1)) }));
    const singles = sids.map((sid) => JSON.stringify(handsUp(sid, 1)));
    let failures = 0;
    const check = (label: string, r: LoadResult) => {
      failures += r.failed;
      if (r.ok === 0) throw new Error(`ingest ${label}: nothing accepted; ${r.firstFailure ?? ''}`);
      if (r.failed > 0) ctx.log(`ingest ${label}: ${r.failed} failed, e.g. ${r.firstFailure ?? ''}`);
      return r;
    };
    // Warm-up (JIT, connections, Lua scripts) for both servers.
    await load.run({ url, headers, bodies: batches, inFlight: 8, requests: 100, durationMs: 10_000, expectStatus: 202 });
    await load.run({ url, headers, bodies: singles, inFlight: singleInFlight, requests: 100_000, durationMs: 1000, expectStatus: 202 });
    await load.run({ url: bare.url, headers, bodies: singles, inFlight: singleInFlight, requests: 100_000, durationMs: 1000, expectStatus: 202 });

    const batchEventsPerS: Record<string, number> = {};
    const batchP99Ms: Record<string, number> = {};
    const batchRedisCpuPct: Record<string, number> = {};
    const batchCommands: Record<string, CommandDelta[]> = {};
    for (const inFlight of BATCH_IN_FLIGHT) {
      const cpu0 = await redisCpuSeconds(redis);
      const cmd0 = await commandStats(redis);
      const r = check(`batches × ${inFlight}`, await load.run({
        url, headers, bodies: batches, inFlight, requests: Math.ceil(batchEvents / BATCH_SIZE), durationMs: 60_000, expectStatus: 202,
      }));
      batchRedisCpuPct[inFlight] = ((await redisCpuSeconds(redis)) - cpu0) / (r.elapsedMs / 1000) * 100;
      batchCommands[inFlight] = commandDeltas(cmd0, await commandStats(redis), r.ok * BATCH_SIZE);
      batchEventsPerS[inFlight] = r.okPerS * BATCH_SIZE;
      batchP99Ms[inFlight] = r.p99Ms;
      ctx.log(`ingest: batches of ${BATCH_SIZE}, ${inFlight} in flight: ${Math.round(r.okPerS * BATCH_SIZE)} events/s`);
    }
    const [bestInFlight, best] = Object.entries(batchEventsPerS).sort((a, b) => b[1] - a[1])[0]!;

    const cpu0 = await redisCpuSeconds(redis);
    const before = await commandStats(redis);
    const single = check('single', await load.run({ url, headers, bodies: singles, inFlight: singleInFlight, requests: 10_000_000, durationMs: singleSeconds * 1000, expectStatus: 202 }));
    const middle = await commandStats(redis);
    const cpu1 = await redisCpuSeconds(redis);
    const bareRun = check('bare', await load.run({ url: bare.url, headers, bodies: singles, inFlight: singleInFlight, requests: 10_000_000, durationMs: singleSeconds * 1000, expectStatus: 202 }));
    const after = await commandStats(redis);
    const cpu2 = await redisCpuSeconds(redis);
    ctx.log(`ingest: single events ${Math.round(single.okPerS)}/s, bare express + XADD ${Math.round(bareRun.okPerS)}/s`);

    await api.stop();
    const profile = dir ? await readProfile(dir) : undefined;
    return {
      schools: sids.length, batchSize: BATCH_SIZE, batchEvents,
      batchEventsPerS, batchP99Ms, bestBatchEventsPerS: best, bestBatchInFlight: Number(bestInFlight),
      batchRedisCpuPct, redisPerBatchEvent: batchCommands[bestInFlight] ?? [],
      singleRedisCpuPct: ((cpu1 - cpu0) / (single.elapsedMs / 1000)) * 100,
      bareRedisCpuPct: ((cpu2 - cpu1) / (bareRun.elapsedMs / 1000)) * 100,
      singleInFlight, singleSeconds,
      singlePerS: single.okPerS, singleP50Ms: single.p50Ms, singleP99Ms: single.p99Ms,
      bareSinglePerS: bareRun.okPerS, bareSingleP50Ms: bareRun.p50Ms, bareSingleP99Ms: bareRun.p99Ms,
      singleRatio: single.okPerS / bareRun.okPerS,
      failures,
      redisPerSingleRequest: commandDeltas(before, middle, single.requests),
      redisPerBareRequest: commandDeltas(middle, after, bareRun.requests),
      ...(profile ? { apiProfile: profile } : {}),
    };
  } finally {
    await api?.stop();
    await bare?.stop();
    await load.close();
    await redis.del(streamKey);
    redis.disconnect();
    await cb.close();
  }
}
