/**
 * Constant-memory proof of GET /v1/deliveries/export (issue 18, point 3): fills one school's
 * delivery log with EXPORT_EVENTS events (default 1,000,000, each with two attempts) through the
 * store's ingest script, starts the API as its own process, downloads the whole range and samples
 * the API process's RSS before, during and after. Run: `npx tsx bench/export-memory.ts`
 * (EXPORT_EVENTS=200000 for a shorter run; EXPORT_FORMAT=csv; EXPORT_CLIENT_MB_PER_S=10 for a slow client). Uses a private key prefix of the
 * Redis at REDIS_URL and deletes it afterwards. Figures go to stdout and bench/export-memory.json (export-memory-slow-client.json when throttled).
 */
import { writeFile } from 'node:fs/promises';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/lib/logger.js';
import { waitReady } from '../src/lib/redis.js';
import { fillDeliveryLog } from '../test/helpers/bulk-deliveries.js';
import { ClassbellProcess, rssBytes } from './lib/child-classbell.js';
import { ADMIN_TOKEN, benchConfig } from './lib/classbell.js';
import { dropPrefix, uniquePrefix } from './lib/redis-util.js';
import { sleep } from './lib/workload.js';

const EVENTS = Number(process.env.EXPORT_EVENTS ?? 1_000_000);
const FORMAT = process.env.EXPORT_FORMAT === 'csv' ? 'csv' : 'ndjson';
/** Read the download at most this fast (MB/s; unset: as fast as possible), to show a slow client pausing the API. */
const CLIENT_MB_PER_S = Number(process.env.EXPORT_CLIENT_MB_PER_S ?? 0);
const SID = 9181;
const SAMPLE_MS = 250;
const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

interface Sample {
  atS: number;
  rowsReceived: number;
  rssMb: number;
}

async function fill(prefix: string): Promise<number> {
  const deps = createDeps(benchConfig(prefix), createLogger('error', { silent: true }));
  await waitReady(deps.redis);
  const startedMs = Date.now();
  try {
    await fillDeliveryLog(deps, SID, EVENTS, {
      onProgress: (written) => {
        if (written % 100_000 === 0 || written === EVENTS) console.log(`filled ${written} / ${EVENTS} (${((Date.now() - startedMs) / 1000).toFixed(0)} s)`);
      },
    });
  } finally {
    await deps.close();
  }
  return (Date.now() - startedMs) / 1000;
}

/** Downloads the export, counting line ends, while a timer samples the API's RSS. */
async function download(api: ClassbellProcess): Promise<{ rows: number; bytes: number; seconds: number; samples: Sample[] }> {
  const samples: Sample[] = [];
  const startedMs = Date.now();
  let lineEnds = 0;
  let bytes = 0;
  const timer = setInterval(() => {
    void rssBytes(api.pid).then((rss) => samples.push({ atS: (Date.now() - startedMs) / 1000, rowsReceived: lineEnds, rssMb: mb(rss) }));
  }, SAMPLE_MS);
  try {
    const res = await fetch(`${api.origin}/v1/deliveries/export?sid=${SID}&format=${FORMAT}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!res.ok || !res.body) throw new Error(`export answered HTTP ${res.status}: ${await res.text()}`);
    for await (const chunk of res.body) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lineEnds++;
      // A throttled client: not reading fills the socket buffers, which must pause the API.
      const dueMs = CLIENT_MB_PER_S > 0 ? startedMs + (bytes / (CLIENT_MB_PER_S * 1e6)) * 1000 : 0;
      if (dueMs > Date.now()) await sleep(dueMs - Date.now());
    }
  } finally {
    clearInterval(timer);
  }
  return { rows: lineEnds - (FORMAT === 'csv' ? 1 : 0), bytes, seconds: (Date.now() - startedMs) / 1000, samples };
}

/** The highest RSS sampled while the first `share` of the rows was being sent. */
function peakUntil(samples: Sample[], rows: number, share: number): number | null {
  const within = samples.filter((s) => s.rowsReceived <= rows * share);
  return within.length > 0 ? Math.max(...within.map((s) => s.rssMb)) : null;
}

async function main(): Promise<void> {
  const prefix = uniquePrefix('export');
  let api: ClassbellProcess | undefined;
  try {
    console.log(`filling the delivery log of school ${SID} with ${EVENTS} events (prefix ${prefix})`);
    const fillS = await fill(prefix);
    api = await ClassbellProcess.start('api', prefix);
    await fetch(`${api.origin}/v1/deliveries?sid=${SID}&limit=10`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.text());
    await sleep(2000);
    const beforeMb = mb(await rssBytes(api.pid));
    console.log(`API RSS before the export: ${beforeMb} MB; exporting ${FORMAT}…`);
    const run = await download(api);
    await sleep(2000);
    const afterMb = mb(await rssBytes(api.pid));
    const peakMb = Math.max(...run.samples.map((s) => s.rssMb));
    const result = {
      events: EVENTS, format: FORMAT, clientMbPerS: CLIENT_MB_PER_S || 'unthrottled', fillSeconds: Math.round(fillS), rowsReceived: run.rows, megabytesSent: mb(run.bytes),
      exportSeconds: Math.round(run.seconds * 10) / 10, rowsPerSecond: Math.round(run.rows / run.seconds),
      apiRssMb: {
        before: beforeMb, peakDuring: peakMb, after: afterMb,
        peakInFirst10PercentOfRows: peakUntil(run.samples, run.rows, 0.1), peakInFirst50PercentOfRows: peakUntil(run.samples, run.rows, 0.5),
      },
      rssEveryTenthOfTheRows: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((share) => {
        const sample = run.samples.find((s) => s.rowsReceived >= run.rows * share) ?? run.samples.at(-1);
        return { rows: sample?.rowsReceived, rssMb: sample?.rssMb };
      }),
    };
    console.log(JSON.stringify(result, null, 2));
    if (run.rows !== EVENTS) throw new Error(`expected ${EVENTS} rows, got ${run.rows}`);
    await writeFile(new URL(CLIENT_MB_PER_S > 0 ? './export-memory-slow-client.json' : './export-memory.json', import.meta.url), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`);
  } finally {
    await api?.stop();
    console.log(`deleted ${await dropPrefix(prefix)} keys under ${prefix}`);
  }
}

await main();
