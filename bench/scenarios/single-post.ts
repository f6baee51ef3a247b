/**
 * Single-event posts as classroom servers really post: one event per request, at a steady
 * 1,000 posts/s over the schools round-robin, from the load generator's process, against classbell
 * started the way users start it (`node scripts/start.mjs`, i.e. `npm start`, at its defaults, its
 * own KEY_PREFIX), the receivers in their own process. 202 → ack per event, and the CPU share of
 * classbell's process tree and of Redis while the posts ran. BENCH_SINGLE_SPLIT=1: against
 * `npm run start:api` and two `npm run start:worker` instead (same defaults).
 */
import { Classbell, handsUp } from '../lib/classbell.js';
import { ClassbellProcess, profileDir, readProfile, type Role } from '../lib/child-classbell.js';
import { treeCpuSeconds } from '../lib/cpu.js';
import type { PacedResult } from '../lib/load-protocol.js';
import { nowEpochMs } from '../lib/receiver-protocol.js';
import { benchRedis, redisCpuSeconds } from '../lib/redis-util.js';
import { EventsRecorder, latencyStages, type LatencyStages } from '../lib/stages.js';
import { percentile } from '../lib/stats.js';
import { envInt, schoolIds, sleep } from '../lib/workload.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';

export interface SinglePostResult {
  ratePerS: number;
  seconds: number;
  schools: number;
  events: number;
  /** Posts/s the client actually offered. */
  offeredPerS: number;
  /** 202 → ack (the push's arrival at the receiver), ms. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Request sent → 202, as the client saw it, ms. */
  answerP50Ms: number;
  answerP99Ms: number;
  /** Cores used while the posts ran: classbell's process tree (`npm start`'s process and any it starts), and Redis (the whole server: other users of it count too). */
  classbellCpuShare: number;
  redisCpuShare: number;
  /** The same, per event, µs; classbell's split by process: the one serving the API (all of it in one process) and worker-only ones. */
  classbellCpuUsPerEvent: number;
  apiProcessCpuUsPerEvent: number;
  workerProcessesCpuUsPerEvent: number;
  redisCpuUsPerEvent: number;
  /** classbell's processes: 1 (`npm start`), or 3 with BENCH_SINGLE_SPLIT=1 (start:api + 2 × start:worker). */
  processes: number;
  /** Where the time went, per stage (bench/lib/stages.ts), read after the posts. */
  stages: LatencyStages;
  /** Posts that waited for their school's previous one (should stay near 0 at 10 posts/s per school). */
  chained: number;
  clientLagMaxMs: number;
  failed: number;
  orderViolations: number;
  duplicates: number;
}

/** One request per event, round-robin over the schools, each school's events numbered from `firstSeq`. */
function singles(sids: number[], count: number, firstSeq: number): { bodies: string[]; keys: number[] } {
  const bodies: string[] = [];
  const keys: number[] = [];
  for (let i = 0; i < count; i++) {
    const sid = sids[i % sids.length]!;
    bodies.push(JSON.stringify(handsUp(sid, firstSeq + Math.floor(i / sids.length))));
    keys.push(sid);
  }
  return { bodies, keys };
}

/**
 * Arrival time of each id. The receiver's count includes repeated pushes (a duplicate counts), so
 * it can reach the total while an event is still on its way: wait for those (up to 10 s).
 */
async function arrivalsOf(ctx: ScenarioContext, ids: string[]): Promise<Map<string, number>> {
  for (const until = Date.now() + 10_000; ;) {
    const arrivals = await ctx.receiver.arrivals();
    const arrivedAt = new Map(arrivals.ids.map((id, i) => [id, arrivals.atMs[i]!]));
    if (ids.every((id) => arrivedAt.has(id)) || Date.now() > until) return arrivedAt;
    await sleep(100);
  }
}

export async function singlePostScenario(ctx: ScenarioContext): Promise<SinglePostResult> {
  const ratePerS = envInt('BENCH_SINGLE_RATE', 1000);
  const seconds = envInt('BENCH_SINGLE_S', 10);
  // Registration only (app and schools, straight into the store); classbell itself runs in the child.
  const reg = await Classbell.start('single', { workers: false });
  const redis = benchRedis();
  const procs: ClassbellProcess[] = [];
  const profileDirs: (string | undefined)[] = [];
  const roles: Role[] = process.env.BENCH_SINGLE_SPLIT === '1' ? ['api', 'worker', 'worker'] : ['all'];
  try {
    const sids = schoolIds(ctx.schools);
    await reg.createApp();
    await reg.registerSchoolsDirect(sids, (sid) => ctx.receiver.url(sid));
    for (const role of roles) {
      // BENCH_PROFILE=1: a CPU profile of each process (with npm start, of the API process: the
      // worker process it forks writes its own into the same directory, and one is read).
      const dir = ctx.profile ? await profileDir() : undefined;
      profileDirs.push(dir);
      procs.push(await ClassbellProcess.start(role, reg.prefix, {}, { startScript: true, defaults: true, ...(dir ? { cpuProfileDir: dir } : {}) }));
    }
    const api = procs.find((p) => p.role !== 'worker')!;
    // A connection per school, as each school's classroom server has its own.
    const job = { url: `${api.origin}/v1/events`, headers: { authorization: reg.appAuthorization, 'content-type': 'application/json' }, ratePerS, connections: sids.length, expectStatus: 202 };
    const check = (label: string, r: PacedResult) => {
      if (r.failed > 0) throw new Error(`single posts (${label}): ${r.failed} failed, e.g. ${r.firstFailure ?? ''}`);
    };
    // Warm-up: one second at the rate (JIT, connections, scripts), not measured.
    await ctx.receiver.reset();
    const warm = singles(sids, ratePerS, 1);
    check('warm-up', await ctx.load.paced({ ...job, ...warm }));
    if (!(await ctx.receiver.waitFor(warm.bodies.length, deliveryTimeoutMs(warm.bodies.length))).reached) throw new Error('single posts: warm-up not delivered in time');

    await ctx.receiver.reset();
    const count = ratePerS * seconds;
    const plan = singles(sids, count, Math.ceil(ratePerS / sids.length) + 1);
    ctx.log(`single posts: ${ratePerS}/s for ${seconds} s against npm start (${roles.join(' + ')})`);
    const snapshot = async () => {
      const perProcess = await Promise.all(procs.map((p) => treeCpuSeconds(p.pid)));
      const ofRole = (worker: boolean) => perProcess.filter((_, i) => (procs[i]!.role === 'worker') === worker).reduce((a, b) => a + b, 0);
      return { api: ofRole(false), workers: ofRole(true), cb: ofRole(false) + ofRole(true), redis: await redisCpuSeconds(redis), atMs: nowEpochMs() };
    };
    const recorder = await EventsRecorder.start(reg);
    const cpu0 = await snapshot();
    const posted = await ctx.load.paced({ ...job, ...plan });
    const cpu1 = await snapshot();
    check('measured', posted);
    const { reached, stats } = await ctx.receiver.waitFor(count, deliveryTimeoutMs(count));
    if (!reached) throw new Error(`single posts: ${stats.events} of ${count} delivered in time`);
    const arrivedAt = await arrivalsOf(ctx, posted.ids);
    const streamEntries = await recorder.stop();
    const from202: number[] = [];
    const answers: number[] = [];
    posted.ids.forEach((id, i) => {
      const at = arrivedAt.get(id);
      if (at === undefined) throw new Error(`single posts: accepted event ${id || '(no id)'} never pushed`);
      from202.push(Math.max(0, at - posted.answerMs[i]!));
      answers.push(posted.answerMs[i]! - posted.startMs[i]!);
    });
    const wallS = (cpu1.atMs - cpu0.atMs) / 1000;
    const final = await ctx.receiver.stats();
    const stages = await latencyStages(reg, posted.ids.map((id, i) => ({ startMs: posted.startMs[i]!, ackMs: posted.answerMs[i]!, ids: [id] })), arrivedAt, streamEntries);
    const result: SinglePostResult = {
      ratePerS, seconds, schools: sids.length, events: count, offeredPerS: posted.offeredPerS,
      p50Ms: percentile(from202, 50), p99Ms: percentile(from202, 99), p999Ms: percentile(from202, 99.9), maxMs: percentile(from202, 100),
      answerP50Ms: percentile(answers, 50), answerP99Ms: percentile(answers, 99),
      classbellCpuShare: (cpu1.cb - cpu0.cb) / wallS, redisCpuShare: (cpu1.redis - cpu0.redis) / wallS,
      classbellCpuUsPerEvent: ((cpu1.cb - cpu0.cb) * 1e6) / count, redisCpuUsPerEvent: ((cpu1.redis - cpu0.redis) * 1e6) / count,
      apiProcessCpuUsPerEvent: ((cpu1.api - cpu0.api) * 1e6) / count, workerProcessesCpuUsPerEvent: ((cpu1.workers - cpu0.workers) * 1e6) / count,
      processes: procs.length,
      stages,
      chained: posted.chained, clientLagMaxMs: posted.lagMaxMs, failed: posted.failed,
      orderViolations: final.orderViolations, duplicates: final.duplicates,
    };
    ctx.log(`single posts: p50 / p99 ${result.p50Ms.toFixed(2)} / ${result.p99Ms.toFixed(2)} ms; classbell ${(result.classbellCpuShare * 100).toFixed(0)} % of a core, Redis ${(result.redisCpuShare * 100).toFixed(0)} %`);
    return result;
  } finally {
    for (const p of [...procs].reverse()) await p.stop();
    for (const [i, dir] of profileDirs.entries()) {
      const profile = dir ? await readProfile(dir, 25) : undefined;
      if (profile) ctx.log(`single posts: ${procs[i]!.role} process, CPU profile (whole life, wall-clock samples), top self time:\n${profile.total.map((f) => `  ${f.selfMs.toFixed(0).padStart(6)} ms ${String(f.percent).padStart(5)} %  ${f.fn} ${f.where}`).join('\n')}`);
    }
    redis.disconnect();
    await reg.close();
  }
}
