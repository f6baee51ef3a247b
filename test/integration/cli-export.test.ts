import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';
import { bulkId, fillDeliveryLog } from '../helpers/bulk-deliveries.js';
import { parseCsv } from '../helpers/csv.js';
import { CLI, runCli, start } from './cli-helpers.js';

// `classbell deliveries export` as a child process against the HTTP API on loopback.
const SID = 7501;
const OTHER = 7502;
const ROWS = 3000;

let h: Harness;
let server: Server;
let env: Record<string, string>;
let dir: string;
let schoolKey: string;

beforeAll(async () => {
  h = await createHarness('cliexport', { workers: false });
  schoolKey = (await createSchool(h.app, SID, 'http://127.0.0.1:9/classin')).apiKey;
  await createSchool(h.app, OTHER, 'http://127.0.0.1:9/classin');
  await fillDeliveryLog(h.deps, SID, ROWS);
  server = await new Promise<Server>((resolve) => {
    const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  env = { CLASSBELL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ADMIN_TOKEN };
  dir = mkdtempSync(join(tmpdir(), 'classbell-export-'));
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('classbell deliveries export', () => {
  it('writes the whole range to the file with a progress bar on stderr', async () => {
    const out = join(dir, 'log.csv');
    const result = await runCli(['deliveries', 'export', '--sid', String(SID), '--since', '1d', '--format', 'csv', '--out', out], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^wrote ${ROWS} deliveries \\([\\d.]+ [KM]B\\) to ${out}\\n$`));
    expect(result.stderr).toMatch(new RegExp(`exported: ${ROWS} rows  [\\d.]+ [KM]B`));
    const [header, ...records] = parseCsv(readFileSync(out, 'utf8'));
    expect(header?.[0]).toBe('eventId');
    expect(records.map((r) => r[0])).toEqual(Array.from({ length: ROWS }, (_, i) => bulkId(SID, ROWS - 1 - i)));
    // Only the finished file is left: the temporary one was renamed.
    expect(readdirSync(dir)).toEqual(['log.csv']);
  }, 60_000);

  it('writes NDJSON by default, with a school key for its own school', async () => {
    const out = join(dir, 'own.ndjson');
    const result = await runCli(['deliveries', 'export', '--out', out], { ...env, ADMIN_TOKEN: schoolKey });
    expect(result.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { sid: number; attempts: unknown[] });
    expect(rows).toHaveLength(ROWS);
    expect(rows.every((r) => r.sid === SID && r.attempts.length === 2)).toBe(true);
  }, 60_000);

  it('leaves no file on an API error or a usage error', async () => {
    const out = join(dir, 'refused.ndjson');
    const refused = await runCli(['deliveries', 'export', '--sid', String(OTHER), '--out', out], { ...env, ADMIN_TOKEN: schoolKey });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[forbidden, HTTP 403]');
    const usage = await runCli(['deliveries', 'export', '--format', 'xml', '--out', out], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--format must be ndjson or csv');
    expect(readdirSync(dir)).not.toContain('refused.ndjson');
    expect(readdirSync(dir).filter((f) => f.includes('.part-'))).toEqual([]);
  }, 60_000);

  it('removes the partial file and exits 1 when interrupted mid-export', async () => {
    // A server that stalls after the first rows stands for a long export still under way.
    const stalled = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-disposition': 'attachment; filename="x.ndjson"' });
      res.write('{"eventId":"a"}\n{"eventId":"b"}\n');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const out = join(dir, 'interrupted.ndjson');
    try {
      const child = start(CLI, ['deliveries', 'export', '--out', out], { ...env, CLASSBELL_URL: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}` });
      await waitFor('progress shown', () => child.stderr.includes('exporting: 2 rows'));
      expect(readdirSync(dir).filter((f) => f.startsWith('.interrupted.ndjson.part-'))).toHaveLength(1);
      child.process.kill('SIGINT');
      const result = await child.exited;
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('export interrupted: no file written');
      expect(readdirSync(dir).filter((f) => f.includes('interrupted'))).toEqual([]);
    } finally {
      stalled.closeAllConnections();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  }, 60_000);
});
