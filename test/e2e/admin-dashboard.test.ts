import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { findChromium } from '../setup/chromium.js';
import request from 'supertest';
import { AlertStore } from '../../src/store/alerts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';
import { parseCsv } from '../helpers/csv.js';
import { ACK, Receiver } from '../helpers/receiver.js';

// The dashboard end to end: a real app with workers on a loopback port, real receivers, and
// The machine's Chromium (CHROMIUM_PATH, system chromium/chrome, Playwright's cache) driven by
// playwright-core; `npm test` gets one first when there is none (test/setup/pretest.ts).
const CHROMIUM = findChromium();
const noChromium = (): never => {
  throw new Error('no Chromium on this machine: run `npm test` (its pretest step gets one) or set CHROMIUM_PATH');
};
/**
 * The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; other runs still take every
 * screenshot (so a broken page still fails here) but keep them out of the work tree.
 */
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1'
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : join(tmpdir(), `classbell-screenshots-${process.pid}`);
const STUCK_ID = 'stuck-head-1';
const GOOD = 301;
const FAILING = 302;
const PAUSED = 303;
const UNVERIFIED = 304;

let harness: Harness;
let server: Server;
let base: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let goodKey: string;
let appAuth: { Authorization: string };
const receivers: Receiver[] = [];

async function stats(sid: number) {
  const res = await request(harness.app).get(`/v1/schools/${sid}/stats`).set(admin).expect(200);
  return res.body as { backlog: number; failingSince: string | null; headAttempts: number };
}

async function schoolStatus(sid: number): Promise<string> {
  return ((await request(harness.app).get(`/v1/schools/${sid}`).set(admin).expect(200)).body as { status: string }).status;
}

async function receiver(reply?: Receiver['reply']): Promise<Receiver> {
  const r = await new Receiver().start();
  if (reply) r.reply = reply;
  receivers.push(r);
  return r;
}

async function login(token: string): Promise<void> {
  await page.goto(`${base}/admin/login`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/admin/login' || url.search !== ''), page.click('#login-submit')]);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

/** Logs in over plain HTTP (no browser) and returns the session cookie and its CSRF token. */
async function httpLogin(token: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  const cookie = setCookie.split(';')[0]!;
  const html = await (await fetch(`${base}/admin`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

beforeAll(async () => {
  harness = await createHarness('admin-e2e', { env: { RETRY_SCHEDULE: '500ms,1s,2s' } });
  server = createServer(harness.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const good = await receiver();
  const failing = await receiver((push) =>
    push.body._id === STUCK_ID ? { status: 500, body: JSON.stringify({ error_info: { errno: 0, error: 'database unavailable' } }) } : { status: 200, body: ACK });
  const refusing = await receiver(() => ({ status: 200, body: JSON.stringify({ error_info: { errno: 403, error: 'wrong SafeKey' } }) }));
  goodKey = (await createSchool(harness.app, GOOD, good.url, { name: 'Sunrise Primary School' })).apiKey;
  await createSchool(harness.app, FAILING, failing.url, { name: 'Riverside Academy' });
  await createSchool(harness.app, PAUSED, (await receiver()).url, { name: 'Hillcrest Middle School' });
  await createSchool(harness.app, UNVERIFIED, refusing.url, { name: 'Lakeside College' });
  await waitFor('schools verified', async () => (await schoolStatus(GOOD)) === 'active' && (await schoolStatus(FAILING)) === 'active' && (await schoolStatus(PAUSED)) === 'active');
  await waitFor('verification failure', async () => (await schoolStatus(UNVERIFIED)) === 'verification_failed');
  await request(harness.app).post(`/v1/schools/${PAUSED}/pause`).set(admin).expect(200);

  const { auth } = await createApp(harness.app);
  appAuth = auth;
  const ingest = (events: unknown[]) => request(harness.app).post('/v1/events').set(auth).send({ events }).expect(202);
  await ingest([0, 1, 2, 3, 4, 5].map((i) => handsUp(GOOD, i)));
  await ingest([handsUp(FAILING, 0, { id: STUCK_ID }), handsUp(FAILING, 1), handsUp(FAILING, 2), { type: 'reward', sid: FAILING, classId: 51345, uid: 1003, times: 2 }]);
  await ingest([handsUp(PAUSED, 0), handsUp(PAUSED, 1)]);
  await waitFor('good school drained', async () => (await stats(GOOD)).backlog === 0);
  await waitFor('failing head retried', async () => (await stats(FAILING)).headAttempts >= 2);

  mkdirSync(SHOTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'classbell-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM ?? noChromium(),
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => console.error('browser error:', error.message));
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  for (const r of receivers) await r.stop();
  await harness?.close();
});

describe('dashboard (headless chromium)', () => {
  it('sends an anonymous visitor to the login page and rejects a wrong token', async () => {
    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await shot('login.png');
    await page.fill('#token', 'not-the-token');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error');
    expect(await page.textContent('#login-error')).toContain('not valid');
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });

  it('lets the operator find the failing school, open its head event, skip it and watch the backlog drain', async () => {
    await login(ADMIN_TOKEN);
    expect(new URL(page.url()).pathname).toBe('/admin');
    const failingRow = page.locator(`#schools tr[data-sid="${FAILING}"][data-failing="true"]`);
    await failingRow.waitFor();
    expect(await page.locator('#schools tr[data-failing="true"]').count()).toBe(1);
    expect(await page.locator(`#schools tr[data-sid="${PAUSED}"] [data-status="paused"]`).count()).toBe(1);
    expect(await page.locator(`#schools tr[data-sid="${UNVERIFIED}"] [data-status="verification_failed"]`).count()).toBe(1);
    expect(await failingRow.locator('td.backlog').textContent()).toBe('4');
    expect(await page.locator('#schools svg.spark').count()).toBe(4);
    await shot('schools.png');

    await failingRow.locator('a.head-link').click();
    await page.waitForURL(`**/admin/events/${STUCK_ID}`);
    await page.locator('#attempts tbody tr[data-outcome="rejected"]').first().waitFor();
    expect(await page.locator('#attempts tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.textContent('#attempts tbody')).toContain('database unavailable');
    expect(await page.textContent('#wire-json')).toContain('"Cmd": 67375105');
    await shot('event.png');

    await page.click('#skip-event');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.locator('#event-facts [data-status="skipped"]').waitFor();

    await page.goto(`${base}/admin`);
    // The page refreshes itself every 5 s: the row turns healthy and its backlog drains to 0.
    await page.locator(`#schools tr[data-sid="${FAILING}"][data-failing="false"] td.backlog`).filter({ hasText: /^0$/ }).waitFor({ timeout: 20_000 });
    expect((await stats(FAILING)).backlog).toBe(0);
  });

  it('shows the delivery log with filters and opens an event from a row', async () => {
    await page.goto(`${base}/admin/deliveries`);
    await page.locator(`#deliveries tr[data-event-id="${STUCK_ID}"] [data-status="skipped"]`).waitFor();
    await shot('deliveries.png');

    await page.selectOption('#f-sid', String(GOOD));
    await page.selectOption('#f-status', 'delivered');
    await Promise.all([page.waitForURL(/status=delivered/), page.click('#filters button[type="submit"]')]);
    await page.locator('#deliveries tr[data-event-id]').first().waitFor();
    const sids = await page.locator('#deliveries tr[data-event-id] td:nth-child(3)').allTextContents();
    expect(sids.length).toBe(6);
    expect(new Set(sids)).toEqual(new Set([`#${GOOD}`]));

    // Export downloads the filtered range: the same six rows, with their attempts.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(download.suggestedFilename()).toBe(`classbell-deliveries-${GOOD}-start-now.csv`);
    const [header, ...records] = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(header).toEqual(expect.arrayContaining(['eventId', 'sid', 'status', 'attempts']));
    const column = (name: string) => records.map((r) => r[header!.indexOf(name)]);
    expect(records).toHaveLength(6);
    expect(new Set(column('sid'))).toEqual(new Set([String(GOOD)]));
    expect(new Set(column('status'))).toEqual(new Set(['delivered']));
    expect(column('attempts').every((a) => (JSON.parse(a!) as { outcome: string }[]).at(-1)?.outcome === 'delivered')).toBe(true);

    await page.locator('#deliveries tr[data-event-id] td:first-child').first().click();
    await page.waitForURL(/\/admin\/events\//);
    await page.locator('#attempts tbody tr[data-outcome="delivered"]').waitFor();
    expect(await page.locator('#redeliver-event').count()).toBe(1);
  });

  it('shows Bull Board to the operator', async () => {
    await page.goto(`${base}/admin/queues`);
    await page.getByText('classbell', { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname.startsWith('/admin/queues')).toBe(true);
    const api = await page.request.get(`${base}/admin/queues/api/queues`);
    expect(api.status()).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('"classbell"');
    await page.getByText('Loading...').waitFor({ state: 'detached', timeout: 15_000 });
    await shot('queues.png');
  });

  it('lists alerts, a failing head among them', async () => {
    const alerts = new AlertStore(harness.deps.redis, harness.deps.keys);
    await alerts.record({ sid: FAILING, kind: 'delivery_failing', since: new Date(Date.now() - 3_700_000).toISOString(), message: `school ${FAILING}: the head event has been failing`, lastError: 'rejected: HTTP 500' });
    await page.goto(`${base}/admin/alerts`);
    const row = page.locator('#alerts tbody tr').first();
    await row.getByText('delivery failing').waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('rejected: HTTP 500');
    await shot('alerts.png');
  });

  it('renders event payloads as text, never as HTML', async () => {
    const payload = '<img src=x onerror="window.__xss=1"><b>bold</b>';
    const res = await request(harness.app).post('/v1/events').set(appAuth)
      .send({ id: 'xss-1', type: 'device_check', sid: GOOD, classId: 51345, data: { note: payload } }).expect(202);
    expect((res.body as { accepted: string[] }).accepted).toEqual(['xss-1']);
    await page.goto(`${base}/admin/events/xss-1`);
    await page.locator('#event-facts [data-status]').waitFor();
    expect(await page.textContent('#event-json')).toContain(JSON.stringify(payload));
    expect(await page.locator('#event-json img, #wire-json img, #event-json b').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('logs out and the session is gone', async () => {
    const cookieBefore = (await context.cookies(base)).find((c) => c.name === 'classbell_session');
    expect(cookieBefore?.httpOnly).toBe(true);
    expect(cookieBefore?.sameSite).toBe('Strict');
    await page.goto(`${base}/admin`);
    await Promise.all([page.waitForURL(/\/admin\/login/), page.click('#logout')]);
    expect((await context.cookies(base)).find((c) => c.name === 'classbell_session')).toBeUndefined();
    const stale = await fetch(`${base}/v1/schools`, { headers: { cookie: `classbell_session=${cookieBefore!.value}` } });
    expect(stale.status).toBe(401);
  });

  it('shows a school only its own school and no operator actions', async () => {
    await login(goodKey);
    await page.locator(`#schools tr[data-sid="${GOOD}"]`).waitFor();
    expect(await page.locator('#schools tbody tr').count()).toBe(1);
    expect(await page.locator('button[data-action="skip-head"], button[data-action="pause"], button[data-action="resume"]').count()).toBe(0);
    expect(await page.locator('button[data-action="verify"]').count()).toBe(1);
    expect(await page.locator('nav a[href="/admin/queues"]').count()).toBe(0);

    await page.goto(`${base}/admin/deliveries`);
    await page.locator('#deliveries tr[data-event-id]').first().waitFor();
    const sids = new Set(await page.locator('#deliveries tr[data-event-id] td:nth-child(3)').allTextContents());
    expect(sids).toEqual(new Set([`#${GOOD}`]));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-ndjson')]);
    const exported = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { sid: number });
    expect(exported.length).toBeGreaterThan(0);
    expect(new Set(exported.map((r) => r.sid))).toEqual(new Set([GOOD]));

    await page.goto(`${base}/admin/events/${STUCK_ID}`);
    await page.locator('#event-facts .error-text').waitFor();
    expect(await page.locator('#skip-event').count()).toBe(0);

    const queues = await page.goto(`${base}/admin/queues`);
    expect(queues?.status()).toBe(403);
    await context.clearCookies();
  });
});

describe('dashboard sessions over HTTP', () => {
  it('keeps /admin/queues from anonymous visitors', async () => {
    const pageRes = await fetch(`${base}/admin/queues`, { redirect: 'manual' });
    expect(pageRes.status).toBe(302);
    expect(pageRes.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fqueues');
    const apiRes = await fetch(`${base}/admin/queues/api/queues`, { redirect: 'manual' });
    expect(apiRes.status).toBe(401);
  });

  it('requires the CSRF header on cookie-authenticated calls that change something', async () => {
    const { cookie, csrf } = await httpLogin(ADMIN_TOKEN);
    expect((await fetch(`${base}/v1/schools`, { headers: { cookie } })).status).toBe(200);
    const without = await fetch(`${base}/v1/schools/${GOOD}/verify`, { method: 'POST', headers: { cookie } });
    expect(without.status).toBe(403);
    const wrong = await fetch(`${base}/v1/schools/${GOOD}/verify`, { method: 'POST', headers: { cookie, 'x-classbell-csrf': 'nope' } });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${base}/v1/schools/${GOOD}/verify`, { method: 'POST', headers: { cookie, 'x-classbell-csrf': csrf } });
    expect(right.status).toBe(202);
    const noSession = await fetch(`${base}/v1/schools/${GOOD}/verify`, { method: 'POST', headers: { cookie: 'classbell_session=x', 'x-classbell-csrf': csrf } });
    expect(noSession.status).toBe(401);
  });

  it('limits a school session to its own school, like its API key', async () => {
    const { cookie } = await httpLogin(goodKey);
    const list = (await (await fetch(`${base}/v1/schools`, { headers: { cookie } })).json()) as { items: { sid: number }[] };
    expect(list.items.map((s) => s.sid)).toEqual([GOOD]);
    expect((await fetch(`${base}/v1/schools/${FAILING}/stats`, { headers: { cookie } })).status).toBe(403);
  });

  it('refuses a cross-site login post and never redirects off the dashboard', async () => {
    const cross = await fetch(`${base}/admin/login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
    });
    expect(cross.status).toBe(403);
    const offsite = await fetch(`${base}/admin/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN, next: '//evil.example/admin' }).toString(),
    });
    expect(offsite.headers.get('location')).toBe('/admin');
  });

  it('renders Swagger UI at /docs under its CSP, which forbids framing (issue 17, point 9)', async () => {
    const violations: string[] = [];
    const onConsole = (m: { text(): string }) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    };
    page.on('console', onConsole);
    const res = await page.goto(`${base}/docs`);
    expect(res?.headers()['x-frame-options']).toBe('DENY');
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.swagger-ui .info .title').waitFor();
    await page.locator('.opblock').first().waitFor();
    page.off('console', onConsole);
    expect(violations).toEqual([]);
  });
});
