/** The tracing SDK in process, against a real OTLP/HTTP endpoint on loopback (docs/tracing.md). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import { createTracing } from '../../src/lib/tracing-sdk.js';
import { linesAt, memoryLogger } from '../helpers/logs.js';
import { OtlpCollector } from '../helpers/otlp-collector.js';
import { freePort } from '../helpers/process.js';

const logger = createLogger('error', { silent: true });

describe('tracing SDK', () => {
  let collector: OtlpCollector;
  beforeAll(async () => {
    collector = await new OtlpCollector().start();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint;
  });
  afterAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    await collector.stop();
  });

  it('exports over http/protobuf by default (the specification\'s default) to /v1/traces', async () => {
    const tracing = await createTracing({ protocol: 'http/protobuf' }, 'api', logger);
    await tracing.ingest(undefined, 'app-proto', async () => ({ accepted: ['e1'], duplicates: [] }));
    await tracing.shutdown();
    const request = collector.requests.find((r) => r.path === '/v1/traces');
    expect(request?.headers['content-type']).toBe('application/x-protobuf');
    expect(request!.bytes).toBeGreaterThan(0);
  });

  it('records a refused ingest with its status and error code, and stores a new trace for an invalid traceparent', async () => {
    const tracing = await createTracing({ protocol: 'http/json' }, 'api', logger);
    let stored = '';
    await expect(tracing.ingest('00-not-a-trace', 'app-json', async (tp) => {
      stored = tp;
      throw new AppError('invalid_request', 400, 'invalid body');
    })).rejects.toThrow('invalid body');
    await tracing.shutdown();
    const span = collector.spans.find((s) => s.attributes['classbell.app_id'] === 'app-json');
    expect(span).toMatchObject({ name: 'classbell.ingest', parentSpanId: '', attributes: { 'http.response.status_code': 400, 'error.type': 'invalid_request' } });
    expect(stored).toBe(`00-${span!.traceId}-${span!.spanId}-01`);
  });

  it('a push span for a stored context: queue wait before a first attempt only, the header names the attempt span', async () => {
    const tracing = await createTracing({ protocol: 'http/json' }, 'worker', logger);
    const stored = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const input = { sid: 7, eventId: 'ev-7', cmd: 67375105, url: 'https://school.example:8443/classin?token=secret-in-url', queuedSinceMs: Date.now() - 50 };
    const first = tracing.startPush(stored, { ...input, attempt: 1 });
    first.end({ outcome: 'timeout', httpStatus: null, errno: null, errorText: 'timeout: no complete reply within 10 ms' });
    const second = tracing.startPush(stored, { ...input, attempt: 2, queuedSinceMs: undefined });
    second.end({ outcome: 'delivered', httpStatus: 200, errno: 1, errorText: '' });
    await tracing.shutdown();
    const spans = collector.trace('0af7651916cd43dd8448eb211c80319c');
    expect(spans.map((s) => s.name).sort()).toEqual(['classbell.push', 'classbell.push', 'classbell.queue_wait']);
    expect(spans.every((s) => s.parentSpanId === 'b7ad6b7169203331')).toBe(true);
    const pushes = spans.filter((s) => s.name === 'classbell.push');
    expect(pushes.map((s) => `00-${s.traceId}-${s.spanId}-01`).sort()).toEqual([first.traceparent, second.traceparent].sort());
    expect(pushes.find((s) => s.attributes['classbell.attempt'] === 1)!.attributes).toMatchObject({ 'classbell.outcome': 'timeout', 'server.address': 'school.example', 'server.port': 8443, 'classbell.cmd': 67375105 });
    expect(JSON.stringify(spans)).not.toContain('secret-in-url');
  });

  it('an export that fails is a warning in classbell\'s log, not an error of the ingest', async () => {
    const lines: string[] = [];
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${await freePort()}`;
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
    try {
      const tracing = await createTracing({ protocol: 'http/json' }, 'api', memoryLogger('warn', lines));
      await expect(tracing.ingest(undefined, 'app-lost', async () => ({ accepted: ['e1'], duplicates: [] }))).resolves.toEqual({ accepted: ['e1'], duplicates: [] });
      await tracing.shutdown();
    } finally {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint;
      delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
    }
    expect(linesAt(lines, 'warn').map((l) => l.message).join('\n')).toMatch(/^opentelemetry: /m);
  });
});
