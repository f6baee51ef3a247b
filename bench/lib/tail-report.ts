/**
 * Issue 16's figures from the runs: the tail (p99.9 at 1,000/s, p99 at 5,000/s, single-event
 * posts), the stages, CPU per event against bare BullMQ, the raw-HTTP ceiling and the split
 * processes; the top-level fields of results.json, its `scenarios` entries, the printed tables.
 */
import type { BaselineResult } from '../scenarios/baseline.js';
import type { CeilingResult } from '../scenarios/ceiling.js';
import type { RelayResult } from '../scenarios/relay.js';
import type { SinglePostResult } from '../scenarios/single-post.js';
import type { SplitResult } from '../scenarios/split.js';
import type { CpuPerEvent } from './cpu.js';
import type { LatencyStages, StageFigures } from './stages.js';
import { combine, isPlainObject, median, round } from './stats.js';

export interface TailRun {
  relay?: RelayResult;
  baseline?: BaselineResult;
  ceiling?: CeilingResult;
  single?: SinglePostResult;
  split?: SplitResult;
}

export interface TailTarget {
  figure: string;
  value: number;
  goal: number;
  kind: 'min' | 'max';
  met: boolean;
}

export interface TailReport {
  /** The top-level fields of results.json (those the runs measured). */
  topLevel: Record<string, unknown>;
  /** Entries of results.json's `scenarios`. */
  scenarios: Record<string, unknown>;
  relay?: RelayResult;
  baseline?: BaselineResult;
  ceiling?: CeilingResult;
  single?: SinglePostResult;
  split?: SplitResult;
  /** Per-run medians: classbell's and bare BullMQ's CPU per delivered event (process + Redis), their ratio, the ceiling ratio. */
  cpuUsPerEvent: number;
  baselineCpuUsPerEvent: number;
  cpuRatio: number;
  /**
   * The same CPU less the raw-HTTP ceiling's process µs per event (building, signing and posting a
   * push and judging its reply, which every contender pays alike): what queueing, ordering, the log
   * and, for classbell, the HTTP ingest add per event; per-run medians and their ratio.
   */
  beyondPush?: { cpuUsPerEvent: number; baselineCpuUsPerEvent: number; ratio: number };
  ceilingRatio: number;
  throughputRatio: number;
  targets: TailTarget[];
}

const violationFields = ['orderViolations', 'duplicates', 'malformed', 'latencyOrderViolations', 'latencyDuplicates', 'failed'];

/** Rounds every number of a nested result: ms and ratios to 3 decimals, the rest to 1. */
function rounded<T>(value: T, digits = 1): T {
  if (typeof value === 'number') return round(value, digits) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => rounded(v, digits)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v, /Ms$|Ratio$|ratio|Share$/.test(k) ? 3 : digits)])) as T;
  return value;
}

function mergedOf<T extends object>(runs: (T | undefined)[]): T | undefined {
  const present = runs.filter((r): r is T => r !== undefined);
  return present.length > 0 ? combine(present, violationFields) : undefined;
}

/** The median over the runs of a figure each run computes from its own results (NaN when none could). */
function perRunMedian(runs: TailRun[], figure: (run: TailRun) => number | undefined): number {
  const values = runs.map(figure).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length > 0 ? median(values) : NaN;
}

const cpuOf = (cpu: { benchUs: number; redisUs: number } | undefined) => (cpu ? cpu.benchUs + cpu.redisUs : undefined);

export function tailReport(runs: TailRun[]): TailReport {
  const relay = mergedOf(runs.map((r) => r.relay));
  const baseline = mergedOf(runs.map((r) => r.baseline));
  const ceiling = mergedOf(runs.map((r) => r.ceiling));
  const single = mergedOf(runs.map((r) => r.single));
  const split = mergedOf(runs.map((r) => r.split));
  const cpuUsPerEvent = perRunMedian(runs, (r) => cpuOf(r.relay?.floodCpu));
  const baselineCpuUsPerEvent = perRunMedian(runs, (r) => cpuOf(r.baseline?.floodCpu));
  const cpuRatio = perRunMedian(runs, (r) => (r.relay && r.baseline ? cpuOf(r.relay.floodCpu)! / cpuOf(r.baseline.floodCpu)! : undefined));
  const ceilingRatio = perRunMedian(runs, (r) => (r.relay && r.ceiling ? r.relay.deliveredPerS / r.ceiling.deliveredPerS : undefined));
  const overPush = (cpu: CpuPerEvent | undefined, run: TailRun) => (cpu && run.ceiling ? cpuOf(cpu)! - run.ceiling.floodCpu.benchUs : undefined);
  const beyondPush = relay && baseline && ceiling ? {
    cpuUsPerEvent: round(perRunMedian(runs, (r) => overPush(r.relay?.floodCpu, r))),
    baselineCpuUsPerEvent: round(perRunMedian(runs, (r) => overPush(r.baseline?.floodCpu, r))),
    ratio: round(perRunMedian(runs, (r) => {
      const ours = overPush(r.relay?.floodCpu, r);
      const theirs = overPush(r.baseline?.floodCpu, r);
      return ours !== undefined && theirs !== undefined ? ours / theirs : undefined;
    }), 3),
  } : undefined;
  const throughputRatio = perRunMedian(runs, (r) => (r.relay && r.baseline ? r.relay.deliveredPerS / r.baseline.deliveredPerS : undefined));

  const topLevel: Record<string, unknown> = {
    ...(relay ? { p999Ms: round(relay.p999Ms, 2), p99At5000Ms: round(relay.p99At5000Ms, 2), ...(relay.latencyStages ? { latencyStages: rounded(relay.latencyStages) } : {}) } : {}),
    ...(single ? { singlePostP99Ms: round(single.p99Ms, 2) } : {}),
    ...(relay && baseline ? { cpuUsPerEvent: round(cpuUsPerEvent), baselineCpuUsPerEvent: round(baselineCpuUsPerEvent), cpuRatioToBaseline: round(cpuRatio, 3) } : {}),
    ...(ceiling ? { ceilingDeliveredPerS: round(ceiling.deliveredPerS) } : {}),
    ...(ceiling && relay ? { ceilingRatio: round(ceilingRatio, 3) } : {}),
    ...(beyondPush ? { cpuBeyondPush: beyondPush } : {}),
  };

  const targets: TailTarget[] = [];
  const add = (figure: string, value: number, goal: number, kind: 'min' | 'max') =>
    targets.push({ figure, value: round(value, 3), goal, kind, met: kind === 'min' ? value >= goal : value <= goal });
  if (relay) {
    add('1 p99 ms, 202 → ack at 1,000/s', relay.p99Ms, 15, 'max');
    add('1 p99.9 ms, 202 → ack at 1,000/s', relay.p999Ms, 40, 'max');
    add('1 p99 ms, 202 → ack at 5,000/s', relay.p99At5000Ms, 40, 'max');
  }
  if (single) add(`1 p99 ms, single-event posts at ${single.ratePerS}/s against npm start`, single.p99Ms, 25, 'max');
  if (relay && baseline) {
    add('2 CPU µs per delivered event, flood (classbell process + Redis)', cpuUsPerEvent, 100, 'max');
    add('2 CPU per event ÷ bare BullMQ\'s (process + Redis)', cpuRatio, 0.4, 'max');
    add('3 delivered/s ÷ bare BullMQ', throughputRatio, 2, 'min');
  }
  if (relay && ceiling) add('3 delivered/s ÷ raw-HTTP ceiling (aim)', ceilingRatio, 0.7, 'min');
  if (split) {
    add(`5 split (API + ${split.split.processes - 1} workers) CPU per event ÷ one process`, split.cpuRatio, 1, 'max');
    add('5 npm start as shipped (API + 1 worker process) CPU per event ÷ one process', split.shippedCpuRatio, 1, 'max');
  }

  const scenarios: Record<string, unknown> = {
    ...(relay ? {
      tail: rounded({
        offeredPerS: relay.latencyOfferedPerS, p50Ms: relay.p50Ms, p99Ms: relay.p99Ms, p999Ms: relay.p999Ms, maxMs: relay.maxMs,
        highRateOfferedPerS: relay.highRateOfferedPerS, p50At5000Ms: relay.p50At5000Ms, p99At5000Ms: relay.p99At5000Ms, maxAt5000Ms: relay.maxAt5000Ms,
        steadyCpuUsPerEvent: relay.steadyCpu,
      }),
    } : {}),
    ...(ceiling ? { ceiling: rounded({ ...ceiling, ...(relay ? { relayDeliveredPerS: relay.deliveredPerS, ceilingRatio } : {}) }) } : {}),
    ...(single ? { singlePost: rounded(single) } : {}),
    ...(split ? { split: rounded(split) } : {}),
    ...(targets.length > 0 ? { targetsIssue16: targets } : {}),
  };
  return { topLevel, scenarios, relay, baseline, ceiling, single, split, cpuUsPerEvent, baselineCpuUsPerEvent, cpuRatio, ...(beyondPush ? { beyondPush } : {}), ceilingRatio, throughputRatio, targets };
}

type Table = (rows: (string | number)[][]) => string;
const n = (v: number, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—');
const stageRow = (label: string, f: StageFigures) => [label, n(f.p50Ms, 2), n(f.p99Ms, 2), n(f.maxMs, 2)];

function printStages(title: string, s: LatencyStages, table: Table): void {
  console.log(`\n${title} (${n(s.events)} events; ${n(s.sampled)} in BullMQ's events-stream window, ${n(s.wokenShare * 100, 1)} % of them woke their school's drain through a new job, the rest were pushed by a drain already running or waiting on the empty outbox; ${n(s.unreadable)} unreadable):`);
  console.log(table([
    ['stage', 'p50 ms', 'p99 ms', 'max ms'],
    stageRow('202 → drain job added (woken; < 0: added before the 202)', s.jobAddedFrom202),
    stageRow('drain job added → active (woken)', s.addedToActive),
    stageRow('job active → push sent (woken)', s.activeToPushSent),
    stageRow('202 → push sent (all)', s.from202ToPushSent),
    stageRow('push sent → ack received (all)', s.pushSentToAck),
    stageRow('push sent → arrival at the receiver (all)', s.pushSentToArrival),
    stageRow('ack received → settle recorded (all)', s.ackToSettled),
    stageRow('202 → ack received, as the worker saw it (all)', s.from202ToAck),
  ]));
}

export function printTail(r: TailReport, table: Table): void {
  const { relay, baseline, ceiling, single, split } = r;
  if (relay) {
    console.log('\ntail latency, 202 → ack (issue 16):');
    console.log(table([
      ['steady rate', 'offered / s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
      ['1,000 events/s', n(relay.latencyOfferedPerS), n(relay.p50Ms, 2), n(relay.p99Ms, 2), n(relay.p999Ms, 2), n(relay.maxMs, 2)],
      ['5,000 events/s', n(relay.highRateOfferedPerS), n(relay.p50At5000Ms, 2), n(relay.p99At5000Ms, 2), '', n(relay.maxAt5000Ms, 2)],
    ]));
    if (relay.latencyStages) printStages('latency stages at 1,000/s', relay.latencyStages, table);
  }
  if (relay && baseline) {
    console.log('\nCPU per delivered event in the flood (process + Redis), µs:');
    console.log(table([
      ['', 'classbell', 'bare BullMQ', 'ratio'],
      ['process + Redis (median of the per-run sums / ratios)', n(r.cpuUsPerEvent, 1), n(r.baselineCpuUsPerEvent, 1), n(r.cpuRatio, 3)],
      ...(r.beyondPush ? [['less the raw push (the ceiling\'s process µs / event)', n(r.beyondPush.cpuUsPerEvent, 1), n(r.beyondPush.baselineCpuUsPerEvent, 1), n(r.beyondPush.ratio, 3)]] : []),
      ['Redis commands / event', n(relay.floodCpu.redisCallsPerEvent, 2), n(baseline.floodCpu.redisCallsPerEvent, 2), ''],
      ['Redis network bytes in / out per event', `${n(relay.floodCpu.redisNetInBytes)} / ${n(relay.floodCpu.redisNetOutBytes)}`, `${n(baseline.floodCpu.redisNetInBytes)} / ${n(baseline.floodCpu.redisNetOutBytes)}`, ''],
    ]));
    const s = relay.steadyCpu;
    console.log(`steady 1,000/s phase, per event: bench process (classbell + its driver) ${n(s.benchUs, 1)} µs, Redis ${n(s.redisUs, 1)} µs, ${n(s.redisCallsPerEvent, 2)} Redis commands, Redis network ${n(s.redisNetInBytes)} / ${n(s.redisNetOutBytes)} B in / out`);
  }
  if (ceiling) {
    console.log(`raw-HTTP ceiling (PushClient, one push in flight per school, no queue or Redis): ${n(ceiling.deliveredPerS)} delivered/s, bench process ${n(ceiling.floodCpu.benchUs, 1)} µs/event` +
      (relay ? `; classbell ${n(relay.deliveredPerS)}/s = ${n(r.ceilingRatio, 3)} × the ceiling` : ''));
  }
  if (single) {
    console.log(`\nsingle-event posts against npm start at its defaults, ${n(single.ratePerS)}/s for ${single.seconds} s over ${single.schools} schools (client in its own process):`);
    console.log(table([
      ['figure', 'value'],
      ['offered posts / s', n(single.offeredPerS)],
      ['202 → ack p50 / p99 / p99.9 / max ms', `${n(single.p50Ms, 2)} / ${n(single.p99Ms, 2)} / ${n(single.p999Ms, 2)} / ${n(single.maxMs, 2)}`],
      ['request → 202 p50 / p99 ms', `${n(single.answerP50Ms, 2)} / ${n(single.answerP99Ms, 2)}`],
      ['CPU, share of a core: classbell / Redis', `${n(single.classbellCpuShare, 2)} / ${n(single.redisCpuShare, 2)}`],
      [`CPU µs per event: classbell (${single.processes === 1 ? 'npm start and its children' : 'API / worker processes'}) / Redis`, `${n(single.classbellCpuUsPerEvent, 1)} (${n(single.apiProcessCpuUsPerEvent, 1)} / ${n(single.workerProcessesCpuUsPerEvent, 1)}) / ${n(single.redisCpuUsPerEvent, 1)}`],
      ['chained posts / client lag max ms', `${n(single.chained)} / ${n(single.clientLagMaxMs, 1)}`],
    ]));
    printStages('single-event posts: latency stages', single.stages, table);
  }
  if (split) {
    console.log(`\nsplit processes, flood of ${n(split.events)} events after ${n(split.warmupEvents)} unmeasured (one: WORKER_PROCESSES=0 npm start; shipped: npm start, the API and the worker process it forks; split: start:api + ${split.split.processes - 1} × start:worker):`);
    const arms = ['one', 'shipped', 'split'] as const;
    console.log(table([
      ['', 'processes', 'delivered / s', 'classbell µs/event (API / workers)', 'Redis µs/event', 'total', 'Redis cmds/event', 'B kept/event', 'B/school'],
      ...arms.map((k) => {
        const a = split[k];
        return [k, a.processes, n(a.deliveredPerS), `${n(a.classbellUs, 1)} (${n(a.apiProcessUs, 1)} / ${n(a.workerProcessesUs, 1)})`, n(a.redisUs, 1), n(a.totalUs, 1), n(a.redisCallsPerEvent, 2), n(a.retainedBytesPerEvent), n(a.bytesPerSchool)];
      }),
    ]));
    console.log('per process and delivered event: user / system CPU µs, socket reads / writes, voluntary / involuntary context switches');
    console.log(table([
      ['', 'process', 'user µs', 'system µs', 'reads', 'writes', 'vol. switches', 'invol. switches'],
      ...arms.flatMap((k) => split[k].perProcess.map((p) => [k, p.role, n(p.userUs, 1), n(p.systemUs, 1), n(p.reads, 2), n(p.writes, 2), n(p.voluntarySwitches, 3), n(p.involuntarySwitches, 3)])),
    ]));
  }
  if (r.targets.length > 0) {
    console.log('\ntargets (issue 16):');
    console.log(table([['figure', 'value', 'goal', 'met'], ...r.targets.map((t) => [t.figure, n(t.value, 3), `${t.kind === 'min' ? '≥' : '≤'} ${t.goal}`, t.met ? 'yes' : 'NO'])]));
  }
}
