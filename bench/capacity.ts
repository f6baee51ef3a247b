/**
 * `npx tsx bench/capacity.ts [results.json …]`: docs/capacity.md's sizing table, derived from the
 * costs per event a bench run measured (later files override earlier ones field by field, so a
 * `BENCH_ONLY=single,split` results.partial.json can complete a headline results.json). Prints
 * the measured inputs, then the table, as Markdown.
 */
import { readFile } from 'node:fs/promises';
import { isPlainObject } from './lib/stats.js';
import { handsUp } from './lib/classbell.js';

/** Share of a core a process (or Redis's main thread) is planned at: headroom for GC, bursts, failover. */
const CORE_BUDGET = 0.7;
/** Data per Redis master: a 32 GiB node keeps room for fork copy-on-write (RDB, replica sync) and buffers. */
const DATA_PER_MASTER_BYTES = 24 * 2 ** 30;
const RETENTION_S = 7 * 86_400;
const SCHOOLS = [1_000, 10_000, 100_000];
const RATES = [1_000, 10_000, 100_000];
/** HTTP overheads not measured by the bench (request line and headers, the answers), bytes: derived, see docs/capacity.md. */
const INGEST_HTTP_OVERHEAD_BYTES = 400;
const PUSH_HTTP_OVERHEAD_BYTES = 400;
/**
 * Events/s one school can take with one push in flight, at a 20 ms endpoint round trip plus
 * classbell's own ~5 ms between an acknowledgement and the next push (settle, next head; the
 * bench's stages): derived, see docs/capacity.md.
 */
const PER_SCHOOL_CAP_PER_S = 40;

type Json = Record<string, unknown>;

function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isPlainObject(v) && isPlainObject(a[k]) ? merge(a[k] as Json, v) : v;
  return out;
}

function num(r: Json, path: string): number {
  let v: unknown = r;
  for (const key of path.split('.')) v = isPlainObject(v) ? v[key] : undefined;
  if (typeof v !== 'number') throw new Error(`${path} is not in the results: run the bench with headline, single and split (see docs/capacity.md)`);
  return v;
}

interface Costs {
  /** Single-event posts, drains woken per event (the realistic regime below ~100 events/s per school). */
  apiUs: number;
  workerUs: number;
  redisUs: number;
  /** Batched ingest, busy drains (the split arm of the flood). */
  floodApiUs: number;
  floodWorkerUs: number;
  floodRedisUs: number;
  redisCallsPerEvent: number;
  queuedBytesPerEvent: number;
  retainedBytesPerEvent: number;
  bytesPerSchool: number;
  redisNetBytesPerEvent: number;
  wireBytesPerEvent: number;
  ingestBodyBytesPerEvent: number;
}

function costsFrom(r: Json): Costs {
  return {
    apiUs: num(r, 'scenarios.singlePost.apiProcessCpuUsPerEvent'),
    workerUs: num(r, 'scenarios.singlePost.workerProcessesCpuUsPerEvent'),
    redisUs: num(r, 'scenarios.singlePost.redisCpuUsPerEvent'),
    floodApiUs: num(r, 'scenarios.split.split.apiProcessUs'),
    floodWorkerUs: num(r, 'scenarios.split.split.workerProcessesUs'),
    floodRedisUs: num(r, 'scenarios.split.split.redisUs'),
    redisCallsPerEvent: num(r, 'scenarios.tail.steadyCpuUsPerEvent.redisCallsPerEvent'),
    queuedBytesPerEvent: num(r, 'redisKeyBytesPerQueuedEvent'),
    retainedBytesPerEvent: num(r, 'scenarios.split.one.retainedBytesPerEvent'),
    bytesPerSchool: num(r, 'scenarios.split.one.bytesPerSchool'),
    redisNetBytesPerEvent: num(r, 'scenarios.tail.steadyCpuUsPerEvent.redisNetInBytes') + num(r, 'scenarios.tail.steadyCpuUsPerEvent.redisNetOutBytes'),
    wireBytesPerEvent: num(r, 'wireBytesPerEvent'),
    ingestBodyBytesPerEvent: Buffer.byteLength(JSON.stringify(handsUp(100_001, 1))),
  };
}

interface Row {
  schools: number;
  ratePerS: number;
  apiProcesses: number;
  workerProcesses: number;
  mastersForCpu: number;
  logBytes: number;
  mastersForMemory: number;
  networkMBps: number;
  limit: string;
}

function sizing(c: Costs, schools: number, ratePerS: number): Row {
  const processes = (us: number) => Math.max(1, Math.ceil((ratePerS * us) / (CORE_BUDGET * 1e6)));
  const mastersForCpu = processes(c.redisUs);
  const logBytes = ratePerS * RETENTION_S * c.retainedBytesPerEvent + schools * c.bytesPerSchool;
  const mastersForMemory = Math.max(1, Math.ceil(logBytes / DATA_PER_MASTER_BYTES));
  const perEventNet = c.ingestBodyBytesPerEvent + INGEST_HTTP_OVERHEAD_BYTES + c.wireBytesPerEvent + PUSH_HTTP_OVERHEAD_BYTES + c.redisNetBytesPerEvent;
  return {
    schools, ratePerS,
    apiProcesses: processes(c.apiUs), workerProcesses: processes(c.workerUs),
    mastersForCpu, logBytes, mastersForMemory,
    networkMBps: (ratePerS * perEventNet) / 1e6,
    // One push in flight per school: a school takes at most 1 / (its endpoint's round trip + classbell's own cycle).
    limit: ratePerS / schools > PER_SCHOOL_CAP_PER_S ? `per-school order (> ${PER_SCHOOL_CAP_PER_S}/s per school)` : mastersForMemory > mastersForCpu ? 'Redis memory (7-day log)' : 'Redis CPU',
  };
}

const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  let results: Json = {};
  for (const file of files.length > 0 ? files : ['bench/results.json']) results = merge(results, JSON.parse(await readFile(file, 'utf8')) as Json);
  const c = costsFrom(results);
  console.log('| measured cost per event | value |\n|---|---|');
  console.log(`| classbell CPU, single-event posts: API process / worker processes | ${fmt(c.apiUs, 1)} / ${fmt(c.workerUs, 1)} µs |`);
  console.log(`| Redis CPU, single-event posts | ${fmt(c.redisUs, 1)} µs |`);
  console.log(`| classbell CPU, batched flood: API process / worker processes; Redis | ${fmt(c.floodApiUs, 1)} / ${fmt(c.floodWorkerUs, 1)}; ${fmt(c.floodRedisUs, 1)} µs |`);
  console.log(`| Redis commands (steady 1,000/s) | ${fmt(c.redisCallsPerEvent, 1)} |`);
  console.log(`| Redis bytes queued / kept after delivery | ${fmt(c.queuedBytesPerEvent)} / ${fmt(c.retainedBytesPerEvent)} B |`);
  console.log(`| Redis bytes per registered school | ${fmt(c.bytesPerSchool)} B |`);
  console.log(`| network: Redis in + out (steady 1,000/s); push body; ingest body | ${fmt(c.redisNetBytesPerEvent)}; ${fmt(c.wireBytesPerEvent)}; ${fmt(c.ingestBodyBytesPerEvent)} B |`);
  console.log('\n| schools | events/s | per school /s | API processes | worker processes | Redis masters for CPU | 7-day log in Redis | masters for memory | network MB/s | limits first |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const schools of SCHOOLS) {
    for (const rate of RATES) {
      const row = sizing(c, schools, rate);
      console.log(`| ${fmt(schools)} | ${fmt(rate)} | ${fmt(rate / schools, 2)} | ${row.apiProcesses} | ${row.workerProcesses} | ${row.mastersForCpu} | ${fmt(row.logBytes / 2 ** 30)} GiB | ${row.mastersForMemory} | ${fmt(row.networkMBps, 1)} | ${row.limit} |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
