/**
 * `npm run bench`: classbell (strict per-school order) against bare BullMQ on the same receivers,
 * then the issue-7 scenarios (ingest, scale, isolation, memory, chart) and issue 4's rooms.
 * Options: BENCH_SCHOOLS (100), BENCH_EVENTS (50000, the issue's flood), BENCH_RUNS (1; the median of each figure is
 * reported), BENCH_PROFILE=1 (CPU profile of classbell's flood phase → bench/flood.cpuprofile, and
 * of the ingest scenario's API process), BENCH_ONLY=headline,ceiling,single,split,ingest,scale,isolation,memory,chart,rooms
 * (a subset; without `headline`, results go to bench/results.partial.json; `headline` runs the
 * raw-HTTP ceiling too, between its floods). Scenario sizes: see
 * bench/README.md.
 */
import { cpus } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { schoolsChart } from './lib/svg-chart.js';
import { backlogScenario, type BacklogResult } from './scenarios/backlog.js';
import { chartScenario, type ChartRow } from './scenarios/chart.js';
import { ingestScenario, type IngestResult } from './scenarios/ingest.js';
import { isolationScenario, type IsolationResult } from './scenarios/isolation.js';
import { scaleScenario, type ScaleResult } from './scenarios/scale.js';
import { fileURLToPath } from 'node:url';
import { LoadGenerator } from './lib/load-client.js';
import { ReceiverProcess } from './lib/receiver-client.js';
import { combine, isPlainObject, median, round } from './lib/stats.js';
import { warmupEvents } from './lib/workload.js';
import { baselineScenario, CONNECTIONS_PER_ORIGIN, type BaselineResult } from './scenarios/baseline.js';
import type { ScenarioContext } from './scenarios/context.js';
import { httpClientScenario, type HttpClientResult } from './scenarios/http-client.js';
import { memoryScenario, type MemoryResult } from './scenarios/memory.js';
import { relayScenario, type RelayResult } from './scenarios/relay.js';
import type { FloodTimeline } from './scenarios/timeline.js';
import { roomsScenario, type RoomsResult } from './scenarios/rooms.js';
import { ceilingScenario, type CeilingResult } from './scenarios/ceiling.js';
import { singlePostScenario, type SinglePostResult } from './scenarios/single-post.js';
import { splitScenario, type SplitResult } from './scenarios/split.js';
import { printTail, tailReport } from './lib/tail-report.js';

const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));
const PARTIAL_FILE = fileURLToPath(new URL('./results.partial.json', import.meta.url));
const CHART_FILE = fileURLToPath(new URL('./chart.svg', import.meta.url));

const SCENARIOS = ['headline', 'ceiling', 'single', 'split', 'ingest', 'scale', 'isolation', 'memory', 'chart', 'rooms'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

function selected(): Set<ScenarioName> {
  const text = process.env.BENCH_ONLY;
  if (text === undefined || text === '') return new Set(SCENARIOS);
  const names = text.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown scenario(s) ${unknown.join(', ')}; expected ${SCENARIOS.join(', ')}`);
  return new Set(names as ScenarioName[]);
}

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

interface RunResult {
  relay?: RelayResult;
  baseline?: BaselineResult;
  ceiling?: CeilingResult;
  single?: SinglePostResult;
  split?: SplitResult;
  memory?: MemoryResult;
  httpClient?: HttpClientResult;
  ingest?: IngestResult;
  scale?: ScaleResult;
  isolation?: IsolationResult;
  backlog?: BacklogResult;
  chart?: ChartRow[];
  rooms?: RoomsResult;
}

/** Rounds every number of a (nested) result for the report. */
function rounded<T>(value: T, digits = 1): T {
  if (typeof value === 'number') return round(value, digits) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => rounded(v, digits)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v, /Ms$|Mb$|ratio|Ratio|Over/.test(k) ? 3 : digits)])) as T;
  return value;
}

async function runOnce(ctx: ScenarioContext, only: Set<ScenarioName>): Promise<RunResult> {
  const out: RunResult = {};
  if (only.has('headline')) {
    // Two floods each, in the order classbell, baseline, baseline, classbell: a drift of the shared
    // machine's speed during the run weighs on both alike. The raw-HTTP ceiling runs between them too.
    const { relay, between } = await relayScenario(ctx, async () => {
      const baseline = combine([await baselineScenario(ctx), await baselineScenario(ctx)], ['orderViolations', 'duplicates']);
      return { baseline, ceiling: await ceilingScenario(ctx) };
    }, 2);
    out.relay = relay;
    out.baseline = between?.baseline;
    out.ceiling = between?.ceiling;
    out.memory = await memoryScenario(ctx);
    out.httpClient = await httpClientScenario(ctx);
  }
  const quiet = { ...ctx, profile: false };
  if (only.has('ceiling') && !only.has('headline')) out.ceiling = await ceilingScenario(quiet);
  if (only.has('single')) out.single = await singlePostScenario(only.has('headline') ? quiet : ctx);
  if (only.has('split')) out.split = await splitScenario(only.has('headline') ? quiet : ctx);
  if (only.has('ingest')) out.ingest = await ingestScenario(ctx);
  if (only.has('scale')) out.scale = await scaleScenario(quiet);
  if (only.has('isolation')) out.isolation = await isolationScenario(quiet);
  if (only.has('memory')) out.backlog = await backlogScenario(quiet);
  if (only.has('chart')) out.chart = await chartScenario(quiet, out.relay);
  if (only.has('rooms')) out.rooms = await roomsScenario(quiet);
  return out;
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function defined<T>(values: (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

interface Target {
  target: string;
  figure: string;
  value: number;
  goal: number;
  /** 'min': value ≥ goal; 'max': value ≤ goal. */
  kind: 'min' | 'max';
}

const met = (t: Target) => (t.kind === 'min' ? t.value >= t.goal : t.value <= t.goal);

async function main(): Promise<void> {
  const schools = positiveInt('BENCH_SCHOOLS', 100);
  const events = positiveInt('BENCH_EVENTS', 50_000);
  const runs = positiveInt('BENCH_RUNS', 1);
  const only = selected();
  const startedMs = Date.now();
  const receiver = await ReceiverProcess.start();
  const load = await LoadGenerator.start();
  const ctx: ScenarioContext = {
    receiver, load, schools, events, profile: process.env.BENCH_PROFILE === '1',
    log: (message) => console.error(`· [${((Date.now() - startedMs) / 1000).toFixed(0)} s] ${message}`),
  };
  const perRun: RunResult[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      if (runs > 1) ctx.log(`run ${run} of ${runs}`);
      perRun.push(await runOnce(ctx, only));
      ctx.profile = false; // one profile is enough
    }
  } finally {
    await receiver.close();
    await load.close();
  }

  const timeline = (t: FloodTimeline) => `${n(t.lastIngestS, 2)}, ${n(t.acked.p50, 2)} / ${n(t.acked.p100, 2)}`;
  const n = (v: number, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—');
  const violations = ['orderViolations', 'duplicates', 'malformed', 'latencyOrderViolations', 'latencyDuplicates'];
  const pick = <K extends keyof RunResult>(k: K): NonNullable<RunResult[K]>[] => defined(perRun.map((r) => r[k])) as NonNullable<RunResult[K]>[];
  /** The median of one scenario over the runs that ran it (undefined when none did). */
  const merged = <K extends Exclude<keyof RunResult, 'chart'>>(k: K, summed: readonly string[] = []) => {
    const runs = pick(k);
    return runs.length > 0 ? combine(runs as object[], summed) as NonNullable<RunResult[K]> : undefined;
  };
  const relayRuns = pick('relay');
  const relay = merged('relay', violations);
  const baseline = merged('baseline', violations);
  const memory = merged('memory');
  const httpClient = merged('httpClient', ['failures']);
  const ingest = merged('ingest', ['failures']);
  const scale = merged('scale', violations);
  const isolation = merged('isolation', violations);
  const backlog = merged('backlog');
  const chartRuns = pick('chart');
  const chart = chartRuns.length > 0
    ? chartRuns[0]!.map((row, i) => combine(chartRuns.map((rows) => rows[i]!), violations))
    : undefined;
  const roomsRuns = pick('rooms');
  const rooms = roomsRuns.length > 0
    ? { ...combine(roomsRuns, ['entryFailures', 'actionFailures', 'unexpected', 'seqGaps']), allDelivered: roomsRuns.every((r) => r.allDelivered) }
    : undefined;
  // Each run's classbell and baseline floods are measured back to back on the same machine, so the
  // figure is the median of the per-run ratios (the machine is shared: absolute rates drift
  // between runs); the ratio of the median rates is kept beside it.
  const runRatios = perRun.flatMap((r) => (r.relay && r.baseline ? [r.relay.deliveredPerS / r.baseline.deliveredPerS] : []));
  const ratio = runRatios.length > 0 ? median(runRatios) : NaN;
  const ratioOfMedians = relay && baseline ? relay.deliveredPerS / baseline.deliveredPerS : NaN;
  // The same for scale: each run's 10,000-school flood against the same run's headline.
  const scaleRatios = perRun.flatMap((r) => (r.scale && r.relay ? [r.scale.deliveredPerS / r.relay.deliveredPerS] : []));
  const scaleRatio = scaleRatios.length > 0 ? median(scaleRatios) : NaN;

  const tail = tailReport(perRun);
  const targets: Target[] = [];
  if (relay && baseline) {
    targets.push({ target: '1 throughput', figure: `delivered/s ÷ bare BullMQ, ${schools} schools`, value: ratio, goal: 1.5, kind: 'min' });
    targets.push({ target: '3 latency', figure: 'p50 ms, 202 → ack at 1,000/s', value: relay.p50Ms, goal: 5, kind: 'max' });
    targets.push({ target: '3 latency', figure: 'p99 ms, 202 → ack at 1,000/s', value: relay.p99Ms, goal: 25, kind: 'max' });
  }
  if (ingest) {
    targets.push({ target: '2 ingest', figure: `events/s, batches of 100 (best of ${Object.keys(ingest.batchEventsPerS).join('/')} in flight)`, value: ingest.bestBatchEventsPerS, goal: 40_000, kind: 'min' });
    targets.push({ target: '2 ingest', figure: 'single-event posts/s ÷ bare express + XADD', value: ingest.singleRatio, goal: 0.5, kind: 'min' });
  }
  if (scale && relay) targets.push({ target: '4 scale', figure: `delivered/s at ${n(scale.registered)} schools (${n(scale.receiving)} receiving) ÷ ${schools}-school figure`, value: scaleRatio, goal: 0.8, kind: 'min' });
  if (isolation) targets.push({ target: '5 isolation', figure: 'healthy delivered/s with 10 % dead/slow ÷ all healthy', value: isolation.ratio, goal: 0.9, kind: 'min' });
  if (backlog) targets.push({ target: '6 memory', figure: `Redis bytes per queued event ÷ wire body (${n(backlog.queuedEvents)} queued)`, value: backlog.ratioToWire, goal: 2, kind: 'max' });
  const targetRows = targets.map((t) => ({ ...t, value: round(t.value, 3), met: met(t) }));

  const scenarios: Record<string, unknown> = {
    targets: targetRows,
    ...(relay && baseline ? {
      throughput: { schools, events, deliveredPerS: round(relay.deliveredPerS), baselineDeliveredPerS: round(baseline.deliveredPerS), ratio: round(ratio, 3), target: 1.5, met: ratio >= 1.5 },
      latency: {
        schools, offeredPerS: round(relay.latencyOfferedPerS), events: relay.latencyEvents,
        p50Ms: round(relay.p50Ms, 2), p99Ms: round(relay.p99Ms, 2), maxMs: round(relay.maxMs, 2),
        p50FromRequestMs: round(relay.p50FromRequestMs, 2), p99FromRequestMs: round(relay.p99FromRequestMs, 2),
        eventLoopDelayP99Ms: round(relay.latencyLoopDelayP99Ms, 2), eventLoopDelayMaxMs: round(relay.latencyLoopDelayMaxMs, 2),
        targetP50Ms: 5, targetP99Ms: 25, met: relay.p50Ms <= 5 && relay.p99Ms <= 25,
      },
    } : {}),
    ...(httpClient ? {
      httpClient: {
        requests: httpClient.requests, concurrency: httpClient.concurrency, connections: httpClient.connections,
        undiciPerS: round(httpClient.undiciPerS), axiosPerS: round(httpClient.axiosPerS),
        undiciOverAxios: round(httpClient.undiciOverAxios, 2), failures: httpClient.failures,
      },
    } : {}),
    ...(ingest ? { ingest: { ...rounded(ingest), targetBatchEventsPerS: 40_000, targetSingleRatio: 0.5, met: ingest.bestBatchEventsPerS >= 40_000 && ingest.singleRatio >= 0.5 } } : {}),
    ...(scale ? {
      scale: {
        ...rounded(scale),
        ...(relay ? { headlineDeliveredPerS: round(relay.deliveredPerS), ratioToHeadline: round(scaleRatio, 3), target: 0.8, met: scaleRatio >= 0.8 } : {}),
      },
    } : {}),
    ...(isolation ? { isolation: { ...rounded(isolation), target: 0.9, met: isolation.ratio >= 0.9 } } : {}),
    ...(backlog ? { memory: { ...rounded(backlog), target: 2, met: backlog.ratioToWire <= 2 } } : {}),
    ...(chart ? { chart: { file: 'bench/chart.svg', events, rows: rounded(chart) } } : {}),
    ...(rooms ? { rooms: rounded(rooms) } : {}),
    ...tail.scenarios,
  };

  const headline = relay && baseline && memory ? {
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
    ratioOfMedianRates: round(ratioOfMedians, 3),
    orderViolations: relay.orderViolations,
    duplicates: relay.duplicates,
    malformedPushes: relay.malformed,
    ...(relay.orderViolations + relay.duplicates > 0 ? { violationSamples: relayRuns.flatMap((r) => r.violationSamples) } : {}),
    baselineOrderViolations: baseline.orderViolations,
    baselineDuplicates: baseline.duplicates,
    latency: {
      events: relay.latencyEvents,
      offeredPerS: round(relay.latencyOfferedPerS),
      maxMs: round(relay.maxMs, 2),
      driverLagMaxMs: round(relay.latencyDriverLagMaxMs, 2),
      eventLoopDelayP99Ms: round(relay.latencyLoopDelayP99Ms, 2),
      eventLoopDelayMaxMs: round(relay.latencyLoopDelayMaxMs, 2),
      chainedRequests: relay.latencyChainedRequests,
    },
    floodSeconds: round(relay.floodSeconds, 2),
    /** CPU µs per event during the flood, by process: what the throughput ratio is made of. */
    floodCpuUsPerEvent: { classbell: rounded(relay.floodCpu), baseline: rounded(baseline.floodCpu) },
    /** When the flood's acknowledgements arrived, against the end of its ingest. */
    floodTimeline: { classbell: relay.floodTimeline, baseline: baseline.floodTimeline },
    workerConcurrency: baseline.workerConcurrency,
    connectionsPerOrigin: CONNECTIONS_PER_ORIGIN,
  } : undefined;
  const results = {
    ...(headline ?? { schools, events, runs, only: [...only] }),
    ...tail.topLevel,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
    benchSeconds: Math.round((Date.now() - startedMs) / 1000),
    scenarios,
    ...(relayRuns[0]?.profile ? { floodProfile: relayRuns[0].profile } : {}),
    perRun: perRun.map((r) => ({
      ...(r.relay && r.baseline ? {
        deliveredPerS: round(r.relay.deliveredPerS), baselineDeliveredPerS: round(r.baseline.deliveredPerS),
        ratio: round(r.relay.deliveredPerS / r.baseline.deliveredPerS, 3),
        ingestPerS: round(r.relay.ingestPerS), p50Ms: round(r.relay.p50Ms, 2), p99Ms: round(r.relay.p99Ms, 2),
        p999Ms: round(r.relay.p999Ms, 2), p99At5000Ms: round(r.relay.p99At5000Ms, 2),
        cpuUsPerEvent: round(r.relay.floodCpu.benchUs + r.relay.floodCpu.redisUs), baselineCpuUsPerEvent: round(r.baseline.floodCpu.benchUs + r.baseline.floodCpu.redisUs),
      } : {}),
      ...(r.ceiling ? { ceilingDeliveredPerS: round(r.ceiling.deliveredPerS), ...(r.relay ? { ceilingRatio: round(r.relay.deliveredPerS / r.ceiling.deliveredPerS, 3) } : {}) } : {}),
      ...(r.single ? { singlePostP50Ms: round(r.single.p50Ms, 2), singlePostP99Ms: round(r.single.p99Ms, 2) } : {}),
      ...(r.split ? { splitCpuRatio: round(r.split.cpuRatio, 3), shippedSplitCpuRatio: round(r.split.shippedCpuRatio, 3) } : {}),
      ...(r.ingest ? { ingestBatchEventsPerS: round(r.ingest.bestBatchEventsPerS), ingestSingleRatio: round(r.ingest.singleRatio, 3) } : {}),
      ...(r.scale ? { scaleDeliveredPerS: round(r.scale.deliveredPerS) } : {}),
      ...(r.isolation ? { isolationRatio: round(r.isolation.ratio, 3), isolationRatioToHealthyAlone: round(r.isolation.ratioToHealthyAlone, 3) } : {}),
      ...(r.backlog ? { memoryRatioToWire: round(r.backlog.ratioToWire, 3) } : {}),
      ...(r.rooms ? { roomsEntriesPerS: round(r.rooms.entriesPerS), roomsFanoutP99Ms: round(r.rooms.fanoutP99Ms, 2), roomsDelivered: r.rooms.delivered } : {}),
    })),
  };
  const file = headline ? RESULTS_FILE : PARTIAL_FILE;
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  if (chart) {
    await writeFile(CHART_FILE, schoolsChart(chart.map((r) => ({ schools: r.schools, deliveredPerS: r.deliveredPerS, p99Ms: r.p99Ms })),
      `classbell ${results.date.slice(0, 10)}, ${cpus().length} CPUs, flood of ${events} events per point, median of ${runs} run(s)`));
  }

  console.log(`\nclassbell bench: ${schools} schools, ${events} events (after ${warmupEvents(events)} unmeasured), ${runs} run(s), ${results.cpus} CPUs, node ${results.node}` +
    (runs > 1 ? ' (medians)' : '') + `, ${results.benchSeconds} s`);
  if (relay && baseline && memory) {
    console.log(table([
      ['figure', 'classbell', 'baseline', 'ratio'],
      ['delivered / s (first ingest → last ack)', n(relay.deliveredPerS), n(baseline.deliveredPerS), n(ratio, 3)],
      ...(runs > 1 ? [['  (ratio: median of the per-run ratios; of the median rates:)', '', '', n(ratioOfMedians, 3)]] : []),
      ['ingest / s (first request → last 202 / add)', n(relay.ingestPerS), n(baseline.addPerS), ''],
      ['latency p50 ms (202 → ack, 1,000/s steady)', n(relay.p50Ms, 2), '', ''],
      ['latency p99 ms (202 → ack)', n(relay.p99Ms, 2), '', ''],
      ['latency p50 / p99 ms (request start → ack)', `${n(relay.p50FromRequestMs, 2)} / ${n(relay.p99FromRequestMs, 2)}`, '', ''],
      ['Redis bytes / queued event (used_memory)', n(memory.redisBytesPerQueuedEvent), '', ''],
      ['Redis bytes / queued event (MEMORY USAGE)', n(memory.redisKeyBytesPerQueuedEvent), '', ''],
      ['Redis bytes / stored in-class event, delivered', n(memory.redisKeyBytesPerStoredInClassEvent), '', ''],
      ['wire bytes / event', n(relay.wireBytesPerEvent), '', ''],
      ['flood CPU µs / event: bench process', n(relay.floodCpu.benchUs, 1), n(baseline.floodCpu.benchUs, 1), n(relay.floodCpu.benchUs / baseline.floodCpu.benchUs, 3)],
      ['flood CPU µs / event: Redis', n(relay.floodCpu.redisUs, 1), n(baseline.floodCpu.redisUs, 1), n(relay.floodCpu.redisUs / baseline.floodCpu.redisUs, 3)],
      ['flood system calls / event: bench process, read / write', `${n(relay.floodCpu.benchReads, 2)} / ${n(relay.floodCpu.benchWrites, 2)}`, `${n(baseline.floodCpu.benchReads, 2)} / ${n(baseline.floodCpu.benchWrites, 2)}`, ''],
      ['flood: last ingest, 50 % / 100 % acknowledged, s', timeline(relay.floodTimeline), timeline(baseline.floodTimeline), ''],
      ['flood: delivered / s during / after ingest', `${n(relay.floodTimeline.deliveredPerSDuringIngest)} / ${n(relay.floodTimeline.deliveredPerSAfterIngest)}`, `${n(baseline.floodTimeline.deliveredPerSDuringIngest)} / ${n(baseline.floodTimeline.deliveredPerSAfterIngest)}`, ''],
      ['flood CPU µs / event: receivers', n(relay.floodCpu.receiverUs, 1), n(baseline.floodCpu.receiverUs, 1), ''],
      ['order violations', n(relay.orderViolations), n(baseline.orderViolations), ''],
      ['duplicates', n(relay.duplicates), n(baseline.duplicates), ''],
    ]));
  }
  if (httpClient) {
    console.log(`\nHTTP client, ${httpClient.requests} posts at concurrency ${httpClient.concurrency} over ${httpClient.connections} keep-alive connections:`);
    console.log(table([
      ['client', 'requests / s'],
      ['undici (PushClient)', n(httpClient.undiciPerS)],
      ['axios', n(httpClient.axiosPerS)],
    ]));
  }
  if (ingest) {
    console.log(`\ningest (API in its own process, workers stopped, load generator in another process):`);
    console.log(table([
      ['figure', 'classbell', 'bare express + XADD', 'ratio'],
      ...Object.entries(ingest.batchEventsPerS).map(([k, v]) => [`events / s, batches of 100, ${k} in flight (Redis CPU ${n(ingest.batchRedisCpuPct[k] ?? NaN)} %)`, n(v), '', '']),
      [`single-event posts / s, ${ingest.singleInFlight} in flight`, n(ingest.singlePerS), n(ingest.bareSinglePerS), n(ingest.singleRatio, 3)],
      ['Redis CPU % of a core, single-event phase', n(ingest.singleRedisCpuPct), n(ingest.bareRedisCpuPct), ''],
      ['single-event p50 / p99 ms', `${n(ingest.singleP50Ms, 2)} / ${n(ingest.singleP99Ms, 2)}`, `${n(ingest.bareSingleP50Ms, 2)} / ${n(ingest.bareSingleP99Ms, 2)}`, ''],
    ]));
    console.log(table([['Redis per single-event request', 'classbell calls', 'µs', 'bare calls', 'µs'],
      ...[...new Set([...ingest.redisPerSingleRequest, ...ingest.redisPerBareRequest].map((d) => d.command))].map((c) => {
        const a = ingest.redisPerSingleRequest.find((d) => d.command === c);
        const b = ingest.redisPerBareRequest.find((d) => d.command === c);
        return [c, a ? n(a.callsPer, 2) : '', a ? n(a.usecPer, 1) : '', b ? n(b.callsPer, 2) : '', b ? n(b.usecPer, 1) : ''];
      })]));
    console.log(table([[`Redis per event, batches (${ingest.bestBatchInFlight} in flight)`, 'calls', 'µs'],
      ...ingest.redisPerBatchEvent.map((d) => [d.command, n(d.callsPer, 2), n(d.usecPer, 1)])]));
    if (ingest.apiProfile) {
      console.log('\ningest API process CPU profile (node --cpu-prof), top self time:');
      console.log(table([['function', 'where', 'self ms', '%'], ...ingest.apiProfile.total.slice(0, 15).map((s) => [s.fn, s.where, s.selfMs, s.percent])]));
    }
  }
  if (scale) {
    console.log(`\nscale: ${n(scale.registered)} registered in ${n(scale.registerSeconds, 1)} s, ${n(scale.receiving)} receiving ${n(scale.events)} events: ` +
      `${n(scale.deliveredPerS)} delivered/s` + (relay ? ` = ${n(scaleRatio, 3)} × the ${schools}-school figure` : '') +
      `; handles ${JSON.stringify(scale.handlesBeforeRegistering)} → ${JSON.stringify(scale.handlesAfterRegistering)}`);
  }
  if (isolation) {
    console.log(`isolation: ${isolation.deadSchools} dead + ${isolation.slowSchools} slow of ${isolation.schools}: healthy ${n(isolation.healthyDeliveredPerS)}/s vs all healthy ${n(isolation.allHealthyDeliveredPerS)}/s = ${n(isolation.ratio, 3)}; vs the healthy schools alone ${n(isolation.healthyAloneDeliveredPerS)}/s = ${n(isolation.ratioToHealthyAlone, 3)}`);
  }
  if (backlog) {
    console.log(`memory: ${n(backlog.queuedEvents)} queued for a dead school: ${n(backlog.redisBytesPerQueuedEvent)} B/event in Redis vs wire ${n(backlog.wireBodyBytes)} B = ${n(backlog.ratioToWire, 2)}×; ` +
      `worker RSS ${n(backlog.workerRssFirstMb, 1)} → ${n(backlog.workerRssLastMb, 1)} MB (max ${n(backlog.workerRssMaxMb, 1)}) over ${backlog.sitSeconds} s`);
  }
  if (chart) {
    console.log(`\nchart (${CHART_FILE}):`);
    console.log(table([['schools', 'delivered / s', 'p50 ms', 'p99 ms', 'event-loop delay p99 ms'], ...chart.map((r) => [n(r.schools), n(r.deliveredPerS), n(r.p50Ms, 2), n(r.p99Ms, 2), n(r.eventLoopDelayP99Ms, 1)])]));
  }
  if (rooms) {
    console.log(`\nrooms (issue 4): ${n(rooms.users)} users on one room, ${rooms.apiProcesses} API processes (same Redis), clients in another process:`);
    console.log(table([
      ['figure', 'value'],
      [`entries / s, ${rooms.entryInFlight} in flight (API CPU ${n(rooms.entryApiCpuPct)} % of a core)`, n(rooms.entriesPerS)],
      ['entry p50 / p99 / max ms', `${n(rooms.entryP50Ms, 2)} / ${n(rooms.entryP99Ms, 2)} / ${n(rooms.entryMaxMs, 2)}`],
      ['entry failures', n(rooms.entryFailures)],
      [`notifications delivered, ${n(rooms.streams)} SSE streams × ${rooms.actions} host actions ${rooms.spacingMs} ms apart`, `${n(rooms.delivered)} / ${n(rooms.expected)}`],
      ['fan-out p50 / p99 / max ms (action request sent → arrival)', `${n(rooms.fanoutP50Ms, 2)} / ${n(rooms.fanoutP99Ms, 2)} / ${n(rooms.fanoutMaxMs, 2)}`],
      ['fan-out p50 / p99 / max ms (action reply → arrival)', `${n(rooms.fanoutFromReplyP50Ms, 2)} / ${n(rooms.fanoutFromReplyP99Ms, 2)} / ${n(rooms.fanoutFromReplyMaxMs, 2)}`],
      ['fan-out p50 / p99 ms, streams on the acting API / on the other', `${n(rooms.sameApiP50Ms, 2)} / ${n(rooms.sameApiP99Ms, 2)} — ${n(rooms.otherApiP50Ms, 2)} / ${n(rooms.otherApiP99Ms, 2)}`],
      ['request → last stream has it, p50 / max ms', `${n(rooms.allStreamsP50Ms, 2)} / ${n(rooms.allStreamsMaxMs, 2)}`],
      [`host action p50 / p99 ms (API CPU ${n(rooms.fanoutApiCpuPct)} % of a core)`, `${n(rooms.actionP50Ms, 2)} / ${n(rooms.actionP99Ms, 2)}`],
      ['unexpected notifications / seq gaps / failed actions', `${n(rooms.unexpected)} / ${n(rooms.seqGaps)} / ${n(rooms.actionFailures)}`],
    ]));
  }
  printTail(tail, table);
  if (targetRows.length > 0) {
    console.log('\ntargets (issue 7):');
    console.log(table([['target', 'figure', 'value', 'goal', 'met'], ...targetRows.map((t) => [t.target, t.figure, n(t.value, 3), `${t.kind === 'min' ? '≥' : '≤'} ${n(t.goal, t.goal < 10 ? 1 : 0)}`, t.met ? 'yes' : 'NO'])]));
  }
  if (results.floodProfile) {
    console.log(`\nflood phase CPU profile (${results.floodProfile.file}), top self time:`);
    console.log(table([['function', 'where', 'self ms', '%'], ...results.floodProfile.top.slice(0, 20).map((s) => [s.fn, s.where, s.selfMs, s.percent])]));
    console.log(table([['file', 'self ms', '%'], ...results.floodProfile.byFile.slice(0, 15).map((s) => [s.where, s.selfMs, s.percent])]));
  }
  console.log(`\nwrote ${file}${chart ? ` and ${CHART_FILE}` : ''}`);
  if (rooms && !rooms.allDelivered) {
    console.error(`rooms: ${rooms.delivered} of ${rooms.expected} notifications delivered`);
    process.exitCode = 1;
  }
  const broken = [relay, scale, isolation, tail.single, tail.split?.one, tail.split?.split].filter((r) => r && r.orderViolations + r.duplicates > 0).length + (chart ?? []).filter((r) => r.orderViolations + r.duplicates > 0).length;
  if (broken > 0) {
    console.error(`classbell broke ordering in ${broken} scenario(s)`);
    for (const sample of relayRuns.flatMap((r) => r.violationSamples).slice(0, 10)) console.error(`  ${sample}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exitCode = 1;
});
