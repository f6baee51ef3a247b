/**
 * OpenTelemetry traces across an API process and a worker process (API.md "Tracing"): a real
 * OTLP/HTTP endpoint on loopback collects what both export, and a real receiver sees the pushes.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classbellEnv, spawnClassbell, stop, type Proc } from '../chaos/support.js';
import { admin, createApp, createHarness, createSchool, handsUp, REDIS_URL, testRedis, waitFor, type Harness } from '../helpers/harness.js';
import { OtlpCollector, type CollectedSpan } from '../helpers/otlp-collector.js';
import { freePort } from '../helpers/process.js';
import { ACK, Receiver } from '../helpers/receiver.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const SID = 1801;

describe('tracing across an API and a worker process (OTLP/HTTP)', () => {
  let h: Harness;
  let collector: OtlpCollector;
  let receiver: Receiver;
  let api: Proc;
  let worker: Proc;
  let base: string;
  let auth: { Authorization: string };
  let appSecret: string;
  let schoolSecret: string;
  /** Event ids whose first push the receiver refuses with a 500 (the second is acknowledged). */
  const failFirst = new Set<string>();

  beforeAll(async () => {
    h = await createHarness('otel', { workers: false });
    collector = await new OtlpCollector().start();
    receiver = await new Receiver().start();
    const seen = new Set<string>();
    receiver.reply = (push) => {
      const id = push.body._id as string | undefined;
      if (id !== undefined && failFirst.has(id) && !seen.has(id)) {
        seen.add(id);
        return { status: 500, body: 'boom' };
      }
      return { body: ACK };
    };
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'classbell-test',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_BSP_SCHEDULE_DELAY: '100', RETRY_SCHEDULE: '200ms',
    };
    api = spawnClassbell('api', classbellEnv(h.prefix, REDIS_URL, { ...otel, PORT: String(port) }));
    worker = spawnClassbell('worker', classbellEnv(h.prefix, REDIS_URL, otel));
    const created = await createApp(h.app);
    auth = created.auth;
    appSecret = created.appSecret;
    schoolSecret = (await createSchool(h.app, SID, receiver.url)).secret;
    await waitFor('the school active', async () => (await request(h.app).get(`/v1/schools/${SID}`).set(admin)).body.status === 'active', 30_000);
    await waitFor('the API process ready', async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 30_000);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api && stop(api), worker && stop(worker)]);
    await receiver.stop();
    await collector.stop();
    await h.close();
  });

  async function post(events: unknown[], headers: Record<string, string> = {}): Promise<void> {
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body: JSON.stringify({ events }) });
    expect(res.status, await res.text()).toBe(202);
  }

  const named = (spans: CollectedSpan[], name: string) => spans.filter((s) => s.name === name);

  it('an ingest with a traceparent: ingest, queue wait and both attempts (failed, then retried) are its children; each push carries the trace', async () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const eventId = `otel-${hex(4)}`;
    failFirst.add(eventId);
    await post([handsUp(SID, 1, { id: eventId })], { traceparent: `00-${traceId}-${parentId}-01` });
    const spans = await waitFor('ingest, queue wait and two push spans exported', () => {
      const got = collector.trace(traceId);
      return named(got, 'classbell.push').length >= 2 && named(got, 'classbell.ingest').length === 1 && named(got, 'classbell.queue_wait').length === 1 ? got : undefined;
    }, 20_000);
    expect(spans.every((s) => s.parentSpanId === parentId), JSON.stringify(spans)).toBe(true);

    const [ingest] = named(spans, 'classbell.ingest');
    expect(ingest!.resource).toMatchObject({ 'service.name': 'classbell-test', 'classbell.role': 'api' });
    expect(ingest!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/events', 'http.response.status_code': 202, 'classbell.accepted': 1, 'classbell.event_ids': [eventId] });

    const received = receiver.events().filter((p) => p.body._id === eventId);
    const cmd = received[0]!.body.Cmd;
    const [wait] = named(spans, 'classbell.queue_wait');
    expect(wait!.resource).toMatchObject({ 'classbell.role': 'worker' });
    expect(wait!.attributes).toMatchObject({ 'classbell.sid': SID, 'classbell.event_id': eventId, 'classbell.cmd': cmd });

    const pushes = named(spans, 'classbell.push').sort((a, b) => Number(a.attributes['classbell.attempt']) - Number(b.attributes['classbell.attempt']));
    expect(pushes.map((p) => p.attributes)).toEqual([
      expect.objectContaining({ 'classbell.attempt': 1, 'classbell.outcome': 'rejected', 'http.response.status_code': 500, 'error.type': 'rejected', 'classbell.sid': SID, 'classbell.event_id': eventId, 'classbell.cmd': cmd }),
      expect.objectContaining({ 'classbell.attempt': 2, 'classbell.outcome': 'delivered', 'http.response.status_code': 200, 'classbell.errno': 1, 'classbell.sid': SID, 'classbell.event_id': eventId }),
    ]);
    expect(pushes[0]!.attributes).not.toHaveProperty('classbell.errno');
    expect(pushes[0]!.status.code).toBe(2); // ERROR
    expect(wait!.endMs).toBeLessThanOrEqual(pushes[0]!.startMs);

    // Each push carried the traceparent of its own attempt span.
    expect(received.map((p) => p.headers.traceparent)).toEqual(pushes.map((p) => `00-${traceId}-${p.spanId}-01`));

    // Never a body, a reply or a secret.
    const exported = JSON.stringify(spans);
    for (const secret of [schoolSecret, appSecret, received[0]!.body.SafeKey as string]) expect(exported).not.toContain(secret);
    for (const bodyPart of ['SafeKey', 'TimeStamp', '程序正常执行', 'boom', received[0]!.raw]) expect(exported).not.toContain(bodyPart);

    // The context is stored with the event record.
    const redis = testRedis();
    try {
      expect(await redis.hget(h.deps.keys.event(SID, eventId), 'tp')).toBe(`00-${traceId}-${parentId}-01`);
    } finally {
      redis.disconnect();
    }
  });

  it('an ingest without a traceparent starts a new trace: its ingest span is the parent of the queue wait and the push', async () => {
    const eventId = `otel-${hex(4)}`;
    await post([handsUp(SID, 2, { id: eventId })]);
    const push = await waitFor('the push span', () => collector.spans.find((s) => s.name === 'classbell.push' && s.attributes['classbell.event_id'] === eventId), 20_000);
    const spans = await waitFor('the whole trace', () => {
      const got = collector.trace(push.traceId);
      return got.length >= 3 ? got : undefined;
    }, 20_000);
    const [ingest] = named(spans, 'classbell.ingest');
    expect(ingest!.parentSpanId).toBe('');
    expect(named(spans, 'classbell.queue_wait')[0]!.parentSpanId).toBe(ingest!.spanId);
    expect(push.parentSpanId).toBe(ingest!.spanId);
    const received = receiver.events().find((p) => p.body._id === eventId);
    expect(received!.headers.traceparent).toBe(`00-${push.traceId}-${push.spanId}-01`);
  });

  it('the API process exports to /v1/traces in the JSON encoding', () => {
    const exports = collector.requests.filter((r) => r.path === '/v1/traces');
    expect(exports.length).toBeGreaterThan(0);
    expect(exports.every((r) => String(r.headers['content-type']).startsWith('application/json'))).toBe(true);
  });
});

describe('without OTEL_* variables', () => {
  let h: Harness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await createHarness('otel-off');
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it('tracing is off: no traceparent on the push and no trace field in the stored event, whatever the request sent', async () => {
    expect(h.config.tracing).toBeUndefined();
    expect(h.deps.tracing).toBeUndefined();
    const { auth } = await createApp(h.app);
    await createSchool(h.app, SID, receiver.url);
    await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${SID}`).set(admin)).body.status === 'active');
    const eventId = `plain-${hex(4)}`;
    await request(h.app).post('/v1/events').set(auth).set('traceparent', `00-${hex(16)}-${hex(8)}-01`).send(handsUp(SID, 1, { id: eventId })).expect(202);
    const push = await waitFor('the push', () => receiver.events().find((p) => p.body._id === eventId));
    expect(push.headers).not.toHaveProperty('traceparent');
    const redis = testRedis();
    try {
      expect(Object.keys(await redis.hgetall(h.deps.keys.event(SID, eventId))).sort()).not.toContain('tp');
    } finally {
      redis.disconnect();
    }
  });
});
