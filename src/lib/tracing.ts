/**
 * OpenTelemetry traces (API.md "Tracing"), on when an OTLP endpoint is configured (OTEL_*). This
 * module holds only the shapes the API and the workers call: the SDK (tracing-sdk.ts) is imported
 * by main.ts only when tracing is on, so a process without OTEL_* loads none of it, and the push
 * path checks one `tracing === undefined` before doing anything else (docs/tracing.md).
 */

/** What a traced ingest reports back for its span. */
export interface IngestSummary {
  accepted: string[];
  duplicates: string[];
}

/** One push attempt as its span records it (never the body, the reply or the secret). */
export interface PushSpanInput {
  sid: number;
  eventId: string;
  /** The wire Cmd of the event. */
  cmd: string | number;
  /** 1-based attempt number. */
  attempt: number;
  url: string;
  /** When the event was accepted (ms), for the queue-wait span of its first attempt; undefined after that. */
  queuedSinceMs: number | undefined;
}

export interface PushSpanResult {
  outcome: string;
  httpStatus: number | null;
  errno: number | null;
  errorText: string;
}

/** A started push-attempt span. */
export interface PushSpan {
  /** The W3C traceparent of the attempt span: the push's `traceparent` header. */
  readonly traceparent: string;
  end(result: PushSpanResult): void;
}

export interface Tracing {
  /**
   * Runs an ingest inside its span. `traceparent` is the request's header (a new trace when it is
   * absent or invalid); `run` gets the context to store with each event: that header's, or the
   * ingest span's when it started a new trace.
   */
  ingest<T extends IngestSummary>(traceparent: string | undefined, appId: string, run: (stored: string) => Promise<T>): Promise<T>;
  /** Starts the span of one push attempt (and the queue wait before a first attempt) under a stored context. */
  startPush(stored: string, input: PushSpanInput): PushSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}
