/**
 * The OpenTelemetry side of tracing.ts, loaded only when tracing is on: a tracer provider with a
 * batch span processor and the OTLP/HTTP exporter (protobuf or JSON), configured by the SDK's own
 * OTEL_* variables (endpoint, headers, sampler, batch sizes, resource attributes).
 *
 * Spans (docs/tracing.md): `classbell.ingest` (server) per POST /v1/events, then per event
 * `classbell.queue_wait` (acceptance → first attempt) and one `classbell.push` (client) per
 * attempt. The parent of all three is the request's `traceparent`, or the ingest span when the
 * request came without one: that context is what is stored with each event.
 */
import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import type { Config } from '../config.js';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';
import type { IngestSummary, PushSpan, PushSpanInput, PushSpanResult, Tracing } from './tracing.js';

const propagator = new W3CTraceContextPropagator();

/** Ids listed on an ingest span at most (a batch holds up to 500 events). */
const MAX_LISTED_IDS = 100;

/** The context a `traceparent` value carries (the root context when it is absent or invalid). */
function extract(traceparent: string | undefined): Context {
  return traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, { traceparent }, {
    get: (carrier, key) => carrier[key as 'traceparent'],
    keys: (carrier) => Object.keys(carrier),
  });
}

/** The `traceparent` value of a span, or of the remote span a context carries. */
function traceparentOf(ctx: Context): string {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, { set: (c, key, value) => void (c[key] = value) });
  return carrier.traceparent ?? '';
}

function statusOfError(error: unknown): number {
  return error instanceof AppError ? error.status : 500;
}

class SdkTracing implements Tracing {
  constructor(
    private readonly tracer: Tracer,
    private readonly provider: BasicTracerProvider,
    private readonly logger: Logger,
  ) {}

  async ingest<T extends IngestSummary>(traceparent: string | undefined, appId: string, run: (stored: string) => Promise<T>): Promise<T> {
    const parent = extract(traceparent);
    const span = this.tracer.startSpan('classbell.ingest', {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: 'POST', [ATTR_HTTP_ROUTE]: '/v1/events', 'classbell.app_id': appId },
    }, parent);
    const remote = trace.getSpanContext(parent);
    const stored = traceparentOf(remote !== undefined ? parent : trace.setSpan(ROOT_CONTEXT, span));
    try {
      const result = await run(stored);
      span.setAttributes({
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: 202,
        'classbell.accepted': result.accepted.length,
        'classbell.duplicates': result.duplicates.length,
        'classbell.event_ids': [...result.accepted, ...result.duplicates].slice(0, MAX_LISTED_IDS),
      });
      return result;
    } catch (error) {
      const status = statusOfError(error);
      span.setAttributes({ [ATTR_HTTP_RESPONSE_STATUS_CODE]: status, [ATTR_ERROR_TYPE]: error instanceof AppError ? error.code : 'internal' });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  startPush(stored: string, input: PushSpanInput): PushSpan {
    const parent = extract(stored);
    const now = Date.now();
    const common = { 'classbell.sid': input.sid, 'classbell.event_id': input.eventId, 'classbell.cmd': input.cmd };
    if (input.queuedSinceMs !== undefined) {
      this.tracer.startSpan('classbell.queue_wait', { startTime: Math.min(input.queuedSinceMs, now), attributes: common }, parent).end(now);
    }
    const target = new URL(input.url);
    const span = this.tracer.startSpan('classbell.push', {
      kind: SpanKind.CLIENT,
      startTime: now,
      attributes: {
        ...common,
        'classbell.attempt': input.attempt,
        [ATTR_HTTP_REQUEST_METHOD]: 'POST',
        [ATTR_SERVER_ADDRESS]: target.hostname,
        [ATTR_SERVER_PORT]: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
      },
    }, parent);
    return new SdkPushSpan(span, traceparentOf(trace.setSpan(parent, span)));
  }

  /** Exports what is left; a collector that cannot take it is a warning (spans are never worth a failed stop). */
  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch((error: unknown) => this.logger.warn('opentelemetry: the last spans could not be exported', { error: String(error) }));
  }
}

class SdkPushSpan implements PushSpan {
  constructor(
    private readonly span: Span,
    readonly traceparent: string,
  ) {}

  end(result: PushSpanResult): void {
    const span = this.span;
    span.setAttribute('classbell.outcome', result.outcome);
    if (result.httpStatus !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, result.httpStatus);
    if (result.errno !== null) span.setAttribute('classbell.errno', result.errno);
    if (result.outcome !== 'delivered') {
      span.setAttribute(ATTR_ERROR_TYPE, result.outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorText });
    }
    span.end();
  }
}

/** Starts the SDK: OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES override the service name "classbell". */
export async function createTracing(settings: NonNullable<Config['tracing']>, role: string, logger: Logger): Promise<Tracing> {
  const detected = detectResources({ detectors: [envDetector] });
  await detected.waitForAsyncAttributes?.();
  const resource = defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'classbell', 'classbell.role': role })).merge(detected);
  const exporter = settings.protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter();
  // The SDK's own problems (an unreachable collector, a refused export) as warnings in classbell's log.
  const warn = (message: string, ...args: unknown[]) => logger.warn(`opentelemetry: ${message}`, { detail: args.map(String).join(' ').slice(0, 500) });
  const quiet = () => undefined;
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  logger.info('tracing on: exporting spans over OTLP/HTTP', { protocol: settings.protocol, role, service: resource.attributes[ATTR_SERVICE_NAME] });
  return new SdkTracing(provider.getTracer('classbell'), provider, logger);
}
