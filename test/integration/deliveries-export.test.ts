import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';
import { bulkId, fillDeliveryLog } from '../helpers/bulk-deliveries.js';
import { linesAt, memoryLogger } from '../helpers/logs.js';
import { parseCsv } from '../helpers/csv.js';

// GET /v1/deliveries/export over a real loopback socket, on a log of 20,000 deliveries written
// through the store's ingest script: every row once and in order, backpressure pausing the store
// reads, a client that leaves stopping them, and the same scope rules as GET /v1/deliveries.
const SID = 7401;
const OTHER = 7402;
const GHOST = 7409;
const ROWS = 20_000;
const OTHER_ROWS = 30;
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

let h: Harness;
let server: Server;
let base: string;
let schoolKey: string;
const logs: string[] = [];
/** Rows the store handed out (the real store, counted). */
let rowsRead = 0;
/** The server side of the latest request. */
let lastServerRes: ServerResponse | undefined;

beforeAll(async () => {
  h = await createHarness('export', { workers: false, logger: memoryLogger('info', logs) });
  const list = h.deps.deliveries.list.bind(h.deps.deliveries);
  h.deps.deliveries.list = async (filter) => {
    const page = await list(filter);
    rowsRead += page.items.length;
    return page;
  };
  schoolKey = (await createSchool(h.app, SID, 'http://127.0.0.1:9/classin')).apiKey;
  await createSchool(h.app, OTHER, 'http://127.0.0.1:9/classin');
  await fillDeliveryLog(h.deps, SID, ROWS, { startMs: START_MS });
  await fillDeliveryLog(h.deps, OTHER, OTHER_ROWS, { startMs: START_MS + 100, attempts: 0 });
  server = createServer(h.app);
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => (lastServerRes = res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  // A failed test may leave a paused download open: it must not keep the keys from being dropped.
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
});

const exportUrl = (query: string) => `${base}/v1/deliveries/export?${query}`;
const ndjson = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
/** Ids of the school's bulk events from `from` to `to` (inclusive), newest first, as the log orders them. */
const newestFirst = (sid: number, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => bulkId(sid, to - i));

function endedLogs(): Record<string, unknown>[] {
  return linesAt(logs, 'info').filter((l) => l.message === 'deliveries export ended');
}

describe('GET /v1/deliveries/export', () => {
  it('streams every delivery of the school once, newest first, with its attempts (NDJSON)', async () => {
    const res = await fetch(exportUrl(`sid=${SID}`), { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="classbell-deliveries-${SID}-start-now.ndjson"`);
    const rows = ndjson(await res.text());
    expect(rows.map((r) => r.eventId)).toEqual(newestFirst(SID, 0, ROWS - 1));
    expect(rows[0]).toEqual({
      eventId: bulkId(SID, ROWS - 1), sid: SID, type: 'hands_up', cmd: expect.any(Number), status: 'delivered', attemptCount: 2,
      createdAt: expect.any(String), deliveredAt: expect.any(String),
      attempts: [expect.objectContaining({ n: 1, outcome: 'rejected', httpStatus: 503 }), expect.objectContaining({ n: 2, outcome: 'delivered', httpStatus: 200 })],
    });
  }, 60_000);

  it('writes CSV with a header row and RFC 4180 quoting; the filters and range apply', async () => {
    const since = new Date(START_MS + 5).toISOString();
    const until = new Date(START_MS + 6).toISOString();
    const res = await fetch(exportUrl(`sid=${SID}&since=${since}&until=${until}&format=csv&status=delivered&type=hands_up`), { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="classbell-deliveries-${SID}-20260105T080000Z-20260105T080000Z.csv"`);
    const [header, ...records] = parseCsv(await res.text());
    expect(header).toEqual(['eventId', 'sid', 'type', 'cmd', 'status', 'attemptCount', 'createdAt', 'deliveredAt', 'attempts']);
    // Batches 5 and 6 of 2000 events were accepted at START_MS + 5 and + 6.
    expect(records.map((r) => r[0])).toEqual(newestFirst(SID, 10_000, 13_999));
    const attempts = JSON.parse(records[0]![8]!) as { response: string }[];
    expect(attempts[0]!.response).toBe('{"error_info":{"errno":0,"error":"busy, \\"retry\\"\nlater"}}');

    const none = await fetch(exportUrl(`sid=${SID}&status=failing&format=csv`), { headers: admin });
    expect(parseCsv(await none.text())).toEqual([header]);
  }, 60_000);

  it('pauses reading the store while the client does not read, and finishes once it does', async () => {
    const before = endedLogs().length;
    rowsRead = 0;
    let received = '';
    const response = await new Promise<IncomingMessage>((resolve, reject) => get(exportUrl(`sid=${SID}`), { headers: admin }, resolve).on('error', reject));
    response.pause();
    // The server's buffer is full: it waits for 'drain' instead of reading on.
    await waitFor('server waiting for drain', () => lastServerRes?.writableNeedDrain === true);
    const readWhenFull = rowsRead;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rowsRead).toBe(readWhenFull);
    expect(readWhenFull).toBeLessThan(ROWS);

    response.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));
    expect(ndjson(received).map((r) => r.eventId)).toEqual(newestFirst(SID, 0, ROWS - 1));
    const ended = await waitFor('export logged', () => endedLogs()[before]);
    expect(ended).toMatchObject({ rows: ROWS, complete: true, sid: SID, format: 'ndjson' });
    expect(ended.backpressureWaits).toBeGreaterThan(0);
  }, 60_000);

  it('stops reading the store when the client goes away', async () => {
    const before = endedLogs().length;
    rowsRead = 0;
    await new Promise<void>((resolve, reject) => {
      const req = get(exportUrl(`sid=${SID}`), { headers: admin }, (res) => res.once('data', () => {
        req.destroy();
        resolve();
      }));
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    });
    const ended = await waitFor('export logged', () => endedLogs()[before]);
    expect(ended.complete).toBe(false);
    expect(ended.rows).toBeLessThan(ROWS);
    expect(rowsRead).toBeLessThan(ROWS);
  }, 60_000);

  it('gives an admin every school, a school only its own, and 403 for another sid whether or not it exists', async () => {
    const all = ndjson((await request(h.app).get('/v1/deliveries/export').set(admin).expect(200)).text);
    expect(all).toHaveLength(ROWS + OTHER_ROWS);
    expect(new Set(all.map((r) => r.eventId)).size).toBe(ROWS + OTHER_ROWS);

    const own = { Authorization: `Bearer ${schoolKey}` };
    const mine = await request(h.app).get('/v1/deliveries/export?type=hands_up').set(own).expect(200);
    expect(mine.headers['content-disposition']).toContain(`classbell-deliveries-${SID}-`);
    expect(new Set(ndjson(mine.text).map((r) => r.sid))).toEqual(new Set([SID]));
    const other = await request(h.app).get(`/v1/deliveries/export?sid=${OTHER}`).set(own).expect(403);
    const ghost = await request(h.app).get(`/v1/deliveries/export?sid=${GHOST}`).set(own).expect(403);
    expect({ ...other.body.error, requestId: '' }).toEqual({ ...ghost.body.error, requestId: '' });
    expect(other.text).not.toContain(bulkId(OTHER, 0));
    await request(h.app).get('/v1/deliveries/export').expect(401);
    const head = await request(h.app).head(`/v1/deliveries/export?sid=${SID}&format=csv`).set(admin).expect(200);
    expect(head.headers['content-disposition']).toContain('.csv');
  }, 60_000);

  it('answers 400 listing each problem with its path', async () => {
    const res = await request(h.app).get('/v1/deliveries/export?format=xml&status=lost&since=yesterday&sid=-3').set(admin).expect(400);
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['format', 'sid', 'since', 'status']);
  });
});
