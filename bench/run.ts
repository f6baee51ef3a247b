/**
 * `npm run bench`: classbell (strict per-school order) against bare BullMQ on the same receivers.
 * Options: BENCH_SCHOOLS (100), BENCH_EVENTS (20000), BENCH_RUNS (1; the median of each figure is
 * reported), BENCH_PROFILE=1 (CPU profile of classbell's flood phase → bench/flood.cpuprofile).
 */
import { cpus } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ReceiverProcess } from './lib/receiver-client.js';
import { median, round } from './lib/stats.js';
import { warmupEvents } from './lib/workload.js';
import { baselineScenario, CONNECTIONS_PER_ORIGIN, type BaselineResult } from './scenarios/baseline.js';
import type { ScenarioContext } from './scenarios/context.js';
import { httpClientScenario, type HttpClientResult } from './scenarios/http-client.js';
import { memoryScenario, type MemoryResult } from './scenarios/memory.js';
import { relayScenario, type RelayResult } from './scenarios/relay.js';

const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

interface RunResult {
  relay: RelayResult;
  baseline: BaselineResult;
  memory: MemoryResult;
  httpClient: HttpClientResult;
}

/** The median of every numeric field over the runs (fields named in `summed` are added up instead). */
function combine<T extends object>(runs: T[], summed: readonly string[] = []): T {
  const out: Record<string, unknown> = { ...runs[0] };
  for (const [key, first] of Object.entries(runs[0]!)) {
    if (typeof first !== 'number') continue;
    const values = runs.map((r) => (r as Record<string, unknown>)[key] as number);
    out[key] = summed.includes(key) ? values.reduce((a, b) => a + b, 0) : median(values);
  }
  return out as T;
}

async function runOnce(ctx: ScenarioContext): Promise<RunResult> {
  const relay = await relayScenario(ctx);
  const baseline = await baselineScenario(ctx);
  const memory = await memoryScenario(ctx);
  const httpClient = await httpClientScenario(ctx);
  return { relay, baseline, memory, httpClient };
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const schools = positiveInt('BENCH_SCHOOLS', 100);
  const events = positiveInt('BENCH_EVENTS', 20_000);
  const runs = positiveInt('BENCH_RUNS', 1);
  const receiver = await ReceiverProcess.start();
  const ctx: ScenarioContext = {
    receiver, schools, events, profile: process.env.BENCH_PROFILE === '1',
    log: (message) => console.error(`· ${message}`),
  };
  const perRun: RunResult[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      if (runs > 1) ctx.log(`run ${run} of ${runs}`);
      perRun.push(await runOnce(ctx));
      ctx.profile = false; // one profile is enough
    }
  } finally {
    await receiver.close();
  }

  const violations = ['orderViolations', 'duplicates', 'malformed', 'latencyOrderViolations', 'latencyDuplicates'];
  const relay = combine(perRun.map((r) => r.relay), violations);
  const baseline = combine(perRun.map((r) => r.baseline), violations);
  const memory = combine(perRun.map((r) => r.memory));
  const httpClient = combine(perRun.map((r) => r.httpClient), ['failures']);
  const ratio = relay.deliveredPerS / baseline.deliveredPerS;

  const results = {
    schools, events, runs, warmupEvents: warmupEvents(events),
    ingestPerS: round(relay.ingestPerS),
    deliveredPerS: round(relay.deliveredPerS),
    p50Ms: round(relay.p50Ms, 2),
    p99Ms: round(relay.p99Ms, 2),
    p50FromRequestMs: round(relay.p50FromRequestMs, 2),
    p99FromRequestMs: round(relay.p99FromRequestMs, 2),
    redisBytesPerQueuedEvent: round(memory.redisBytesPerQueuedEvent),
    redisKeyBytesPerQueuedEvent: round(memory.redisKeyBytesPerQueuedEvent),
    redisKeyBytesByKind: memory.keyBytesByKind,
    redisKeyBytesPerStoredInClassEvent: round(memory.redisKeyBytesPerStoredInClassEvent),
    wireBytesPerEvent: round(relay.wireBytesPerEvent),
    baselineDeliveredPerS: round(baseline.deliveredPerS),
    baselineAddPerS: round(baseline.addPerS),
    ratio: round(ratio, 3),
    orderViolations: relay.orderViolations,
    duplicates: relay.duplicates,
    malformedPushes: relay.malformed,
    ...(relay.orderViolations + relay.duplicates > 0 ? { violationSamples: perRun.flatMap((r) => r.relay.violationSamples) } : {}),
    baselineOrderViolations: baseline.orderViolations,
    baselineDuplicates: baseline.duplicates,
    latency: {
      events: relay.latencyEvents,
      offeredPerS: round(relay.latencyOfferedPerS),
      maxMs: round(relay.maxMs, 2),
      driverLagMaxMs: round(relay.latencyDriverLagMaxMs, 2),
      chainedRequests: relay.latencyChainedRequests,
    },
    floodSeconds: round(relay.floodSeconds, 2),
    workerConcurrency: baseline.workerConcurrency,
    connectionsPerOrigin: CONNECTIONS_PER_ORIGIN,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
    scenarios: {
      httpClient: {
        requests: httpClient.requests, concurrency: httpClient.concurrency, connections: httpClient.connections,
        undiciPerS: round(httpClient.undiciPerS), axiosPerS: round(httpClient.axiosPerS),
        undiciOverAxios: round(httpClient.undiciOverAxios, 2), failures: httpClient.failures,
      },
    },
    ...(perRun[0]!.relay.profile ? { floodProfile: perRun[0]!.relay.profile } : {}),
    perRun: perRun.map((r) => ({
      deliveredPerS: round(r.relay.deliveredPerS), baselineDeliveredPerS: round(r.baseline.deliveredPerS),
      ingestPerS: round(r.relay.ingestPerS), p50Ms: round(r.relay.p50Ms, 2), p99Ms: round(r.relay.p99Ms, 2),
    })),
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

  const n = (v: number, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—');
  console.log(`\nclassbell bench: ${schools} schools, ${events} events (after ${results.warmupEvents} unmeasured), ${runs} run(s), ${results.cpus} CPUs, node ${results.node}` +
    (runs > 1 ? ' (medians)' : ''));
  console.log(table([
    ['figure', 'classbell', 'baseline', 'ratio'],
    ['delivered / s (first ingest → last ack)', n(relay.deliveredPerS), n(baseline.deliveredPerS), n(ratio, 3)],
    ['ingest / s (first request → last 202 / add)', n(relay.ingestPerS), n(baseline.addPerS), ''],
    ['latency p50 ms (202 → ack, 1,000/s steady)', n(relay.p50Ms, 2), '', ''],
    ['latency p99 ms (202 → ack)', n(relay.p99Ms, 2), '', ''],
    ['latency p50 / p99 ms (request start → ack)', `${n(relay.p50FromRequestMs, 2)} / ${n(relay.p99FromRequestMs, 2)}`, '', ''],
    ['Redis bytes / queued event (used_memory)', n(memory.redisBytesPerQueuedEvent), '', ''],
    ['Redis bytes / queued event (MEMORY USAGE)', n(memory.redisKeyBytesPerQueuedEvent), '', ''],
    ['Redis bytes / stored in-class event, delivered', n(memory.redisKeyBytesPerStoredInClassEvent), '', ''],
    ['wire bytes / event', n(relay.wireBytesPerEvent), '', ''],
    ['order violations', n(relay.orderViolations), n(baseline.orderViolations), ''],
    ['duplicates', n(relay.duplicates), n(baseline.duplicates), ''],
  ]));
  console.log(`\nHTTP client, ${httpClient.requests} posts at concurrency ${httpClient.concurrency} over ${httpClient.connections} keep-alive connections:`);
  console.log(table([
    ['client', 'requests / s'],
    ['undici (PushClient)', n(httpClient.undiciPerS)],
    ['axios', n(httpClient.axiosPerS)],
  ]));
  if (results.floodProfile) {
    console.log(`\nflood phase CPU profile (${results.floodProfile.file}), top self time:`);
    console.log(table([['function', 'where', 'self ms', '%'], ...results.floodProfile.top.slice(0, 20).map((s) => [s.fn, s.where, s.selfMs, s.percent])]));
    console.log(table([['file', 'self ms', '%'], ...results.floodProfile.byFile.slice(0, 15).map((s) => [s.where, s.selfMs, s.percent])]));
  }
  console.log(`\nwrote ${RESULTS_FILE}`);
  if (relay.orderViolations > 0 || relay.duplicates > 0) {
    console.error(`classbell broke ordering: ${relay.orderViolations} order violations, ${relay.duplicates} duplicates, e.g.`);
    for (const sample of perRun.flatMap((r) => r.relay.violationSamples).slice(0, 10)) console.error(`  ${sample}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exitCode = 1;
});
