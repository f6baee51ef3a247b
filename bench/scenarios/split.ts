/**
 * One process against API and workers apart: the same flood (the headline's, from the load
 * generator's process) against `WORKER_PROCESSES=0 node scripts/start.mjs` (everything in one
 * process), against `npm start` as it ships (the API process forks one worker process), and
 * against `node scripts/start.mjs --role=api` with two `--role=worker` processes. CPU per delivered
 * event of classbell's processes and of Redis in each: the split should cost no more per event.
 * Each arm's processes are new, so each arm first delivers WARMUP_EVENTS unmeasured; with
 * BENCH_PROFILE=1 each process also writes a CPU profile (its top functions are logged).
 */
import { Classbell } from '../lib/classbell.js';
import { ClassbellProcess, profileDir, readProfile, type Role } from '../lib/child-classbell.js';
import { childPids, processCounters, treeCpuSeconds, type ProcessCounters } from '../lib/cpu.js';
import { benchRedis, commandStats, prefixBytes, redisCpuSeconds } from '../lib/redis-util.js';
import { ratePerS } from '../lib/stats.js';
import { envInt, floodPlan, schoolIds, sleep } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';

export const SPLIT_WORKERS = 2;

/**
 * Events an arm delivers before it is measured. New processes compile their hot code while they
 * work: with the 2,000 events the other floods warm up with, V8's compiler threads were still busy
 * for the first 2–3 s of the measured flood (perf, 2026-12-03: about 10 % of the one-process arm's
 * samples, twice that over the three processes of the split, as each process compiles the same
 * code). The question here is the split's cost per event in a running service, so both arms are
 * measured once that has settled.
 */
const WARMUP_EVENTS = envInt('BENCH_SPLIT_WARMUP', 20_000);

/** Per delivered event, what the kernel counted for one of an arm's processes (a forked worker is one of its own). */
export interface ProcessPerEvent {
  role: Role;
  userUs: number;
  systemUs: number;
  reads: number;
  writes: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
}

export interface SplitArm {
  processes: number;
  deliveredPerS: number;
  /** CPU µs per delivered event: classbell's processes, Redis, and both. */
  classbellUs: number;
  /** Of classbellUs: the process serving the API (all of it in one process) and the worker-only processes. */
  apiProcessUs: number;
  workerProcessesUs: number;
  redisUs: number;
  totalUs: number;
  redisCallsPerEvent: number;
  /** Each process's user and system CPU, socket system calls and context switches per event. */
  perProcess: ProcessPerEvent[];
  orderViolations: number;
  duplicates: number;
  /**
   * Σ MEMORY USAGE of the arm's keys: per registered school before any event, and per delivered
   * event (warm-up included) once the flood is delivered — what the delivery log keeps (event
   * records with their attempt, log entries, class lists) until DELIVERY_RETENTION_S.
   */
  bytesPerSchool: number;
  retainedBytesPerEvent: number;
  retainedBytesByKind: Record<string, number>;
}

export interface SplitResult {
  events: number;
  warmupEvents: number;
  one: SplitArm;
  /** `npm start` as it ships: the API process and the worker process it forks (WORKER_PROCESSES=1). */
  shipped: SplitArm;
  split: SplitArm;
  /** split.totalUs ÷ one.totalUs (≤ 1: the split costs no more per event). */
  cpuRatio: number;
  /** shipped.totalUs ÷ one.totalUs. */
  shippedCpuRatio: number;
}

const callsOf = (stats: Map<string, { calls: number }>) => [...stats.values()].reduce((sum, s) => sum + s.calls, 0);

function perEvent(role: Role, before: ProcessCounters, after: ProcessCounters, events: number): ProcessPerEvent {
  const per = (a: number, b: number, scale = 1) => Math.round(((b - a) * scale) / events * 100) / 100;
  return {
    role,
    userUs: per(before.userS, after.userS, 1e6), systemUs: per(before.systemS, after.systemS, 1e6),
    reads: per(before.reads, after.reads), writes: per(before.writes, after.writes),
    voluntarySwitches: per(before.voluntarySwitches, after.voluntarySwitches),
    involuntarySwitches: per(before.involuntarySwitches, after.involuntarySwitches),
  };
}

type ArmKind = 'one' | 'shipped' | 'split';

async function arm(ctx: ScenarioContext, kind: ArmKind, events: number): Promise<SplitArm> {
  const roles: Role[] = kind === 'split' ? ['api', ...Array.from({ length: SPLIT_WORKERS }, () => 'worker' as const)] : ['all'];
  const reg = await Classbell.start(`split-${kind}`, { workers: false });
  const redis = benchRedis();
  const procs: ClassbellProcess[] = [];
  const profileDirs: (string | undefined)[] = [];
  try {
    const sids = schoolIds(ctx.schools);
    await reg.createApp();
    await reg.registerSchoolsDirect(sids, (sid) => ctx.receiver.url(sid));
    const registered = await prefixBytes(redis, reg.prefix);
    // `npm start` forks its drains into worker processes by default (WORKER_PROCESSES): the one-process arm asks for none.
    const overrides: Record<string, string> = kind === 'one' ? { WORKER_PROCESSES: '0' } : {};
    for (const role of roles) {
      const dir = ctx.profile ? await profileDir() : undefined;
      profileDirs.push(dir);
      procs.push(await ClassbellProcess.start(role, reg.prefix, overrides, { startScript: true, ...(dir ? { cpuProfileDir: dir } : {}) }));
    }
    const api = procs.find((p) => p.role !== 'worker')!;
    const url = `${api.origin}/v1/events`;
    const headers = { authorization: reg.appAuthorization, 'content-type': 'application/json' };
    const post = (count: number) => ctx.load.lanes(url, headers, floodPlan(sids, count).map((batches) => batches.map((batch) => JSON.stringify({ events: batch }))));
    const warmup = WARMUP_EVENTS;
    await ctx.receiver.reset();
    await post(warmup);
    if (!(await ctx.receiver.waitFor(warmup, deliveryTimeoutMs(warmup))).reached) throw new Error('split: warm-up not delivered in time');
    await ctx.receiver.reset();
    // Each process on its own, a worker process that `npm start` forked included.
    const tasks = (await Promise.all(procs.map(async (p) => [
      { role: p.role, pid: p.pid }, ...(await childPids(p.pid)).map((pid) => ({ role: 'worker' as const, pid })),
    ]))).flat();
    const cpu = async () => ({
      perProcess: await Promise.all(procs.map((p) => treeCpuSeconds(p.pid))),
      redis: await redisCpuSeconds(redis),
      calls: callsOf(await commandStats(redis)),
      counters: await Promise.all(tasks.map((t) => processCounters(t.pid))),
    });
    const before = await cpu();
    const { firstStartMs } = await post(events);
    const { reached, stats } = await ctx.receiver.waitFor(events, deliveryTimeoutMs(events));
    const after = await cpu();
    if (!reached || stats.lastAtMs === null) throw new Error(`split: ${stats.events} of ${events} delivered in time`);
    const us = (a: number, b: number) => ((b - a) * 1e6) / events;
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const perProcess = tasks.map((t, i) => perEvent(t.role, before.counters[i]!, after.counters[i]!, events));
    const ofRole = (worker: boolean) => sum(perProcess.filter((p) => (p.role === 'worker') === worker).map((p) => p.userUs + p.systemUs));
    const cb = { before: sum(before.perProcess), after: sum(after.perProcess) };
    // The flood's records settle within a few ms of the last acknowledgement.
    await sleep(200);
    const retained = await prefixBytes(redis, reg.prefix);
    const delivered = warmup + events;
    const result: SplitArm = {
      processes: tasks.length,
      deliveredPerS: ratePerS(events, firstStartMs, stats.lastAtMs),
      classbellUs: us(cb.before, cb.after),
      apiProcessUs: ofRole(false),
      workerProcessesUs: ofRole(true),
      redisUs: us(before.redis, after.redis),
      totalUs: us(cb.before + before.redis, cb.after + after.redis),
      redisCallsPerEvent: (after.calls - before.calls) / events,
      perProcess,
      orderViolations: stats.orderViolations,
      duplicates: stats.duplicates,
      bytesPerSchool: registered.total / sids.length,
      retainedBytesPerEvent: (retained.total - registered.total) / delivered,
      retainedBytesByKind: Object.fromEntries(Object.entries(retained.byKind).map(([kind, bytes]) =>
        [kind, Math.round(((bytes - (registered.byKind[kind] ?? 0)) / delivered) * 10) / 10])),
    };
    ctx.log(`split: ${kind} (${roles.join(' + ')}): ${Math.round(result.deliveredPerS)}/s, ${result.classbellUs.toFixed(1)} + ${result.redisUs.toFixed(1)} µs per event (classbell + Redis)`);
    return result;
  } finally {
    for (const p of [...procs].reverse()) await p.stop();
    for (const [i, dir] of profileDirs.entries()) {
      const profile = dir ? await readProfile(dir, 20) : undefined;
      if (profile) ctx.log(`split: ${kind}, ${procs[i]!.role} process, CPU profile (whole life, wall-clock samples), top self time:\n${profile.total.map((f) => `  ${f.selfMs.toFixed(0).padStart(6)} ms ${String(f.percent).padStart(5)} %  ${f.fn} ${f.where}`).join('\n')}`);
    }
    redis.disconnect();
    await reg.close();
  }
}

export async function splitScenario(ctx: ScenarioContext): Promise<SplitResult> {
  const events = envInt('BENCH_SPLIT_EVENTS', ctx.events);
  const one = await arm(ctx, 'one', events);
  const shipped = await arm(ctx, 'shipped', events);
  const split = await arm(ctx, 'split', events);
  return { events, warmupEvents: WARMUP_EVENTS, one, shipped, split, cpuRatio: split.totalUs / one.totalUs, shippedCpuRatio: shipped.totalUs / one.totalUs };
}
