import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import type { EndpointGuard } from './endpoint-guard.js';

/** Largest reply read from a receiver; an acknowledgement is a few dozen bytes. */
const MAX_REPLY_BYTES = 64 * 1024;

export type PushResult =
  | { kind: 'reply'; status: number; body: string; truncated: boolean; durationMs: number }
  | { kind: 'timeout' | 'network_error'; error: string; durationMs: number };

export interface PushClientOptions {
  /** Keep-alive connections per receiver origin. */
  connectionsPerOrigin?: number;
  /** SSRF guard: refuses blocked literal addresses and resolves names through its lookup. */
  guard?: Pick<EndpointGuard, 'blocksLiteral' | 'lookup'>;
}

/**
 * POSTs JSON to school endpoints over a keep-alive pool per origin (undici). Redirects are never
 * followed; at most MAX_REPLY_BYTES of a reply is read, so a huge body cannot exhaust memory.
 */
export class PushClient {
  private readonly agent: Agent;
  private readonly guard: PushClientOptions['guard'];
  private readonly targets = new Map<string, Target>();

  constructor(options: PushClientOptions = {}) {
    this.guard = options.guard;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 128,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      pipelining: 1,
      ...(options.guard ? { connect: { lookup: options.guard.lookup } } : {}),
    });
  }

  /**
   * One POST through undici's dispatch API: the reply is collected straight from the parser's
   * callbacks (no body stream, no AbortSignal), and one timer bounds the whole exchange — waiting
   * for a connection, sending, the headers and the body.
   */
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PushResult> {
    if (this.guard?.blocksLiteral(url)) {
      return Promise.resolve({ kind: 'network_error', error: 'blocked: the endpoint is a private, loopback or link-local address', durationMs: 0 });
    }
    const exchange = new Exchange(timeoutMs);
    try {
      const target = this.targetOf(url);
      this.agent.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, exchange);
    } catch (error) {
      exchange.fail(error);
    }
    return exchange.promise;
  }

  /** Origin and path of an endpoint URL, parsed once per URL (a school's URL rarely changes). */
  private targetOf(url: string): Target {
    let target = this.targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

interface Target {
  origin: string;
  path: string;
}

/** Endpoint URLs whose parse is kept; past that the cache starts over (bounded memory). */
const MAX_CACHED_TARGETS = 20_000;

/**
 * One push in flight, as undici's dispatch handler: the callbacks keep the status and the first
 * MAX_REPLY_BYTES of the reply, and the first outcome (reply, error or deadline) settles the
 * promise. A class rather than closures: nothing is allocated per push beyond this object.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly promise: Promise<PushResult>;
  private resolve!: (result: PushResult) => void;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | undefined;
  private done = false;
  private status = 0;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly timeoutMs: number) {
    this.promise = new Promise<PushResult>((resolve) => {
      this.resolve = resolve;
    });
    this.timer = setTimeout(expire, timeoutMs, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error('push deadline passed'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    if (this.size + chunk.length <= MAX_REPLY_BYTES) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    // Over MAX_REPLY_BYTES: judge what was read and drop the connection.
    this.chunks.push(chunk.subarray(0, MAX_REPLY_BYTES - this.size));
    this.finish({ kind: 'reply', status: this.status, body: this.text(), truncated: true, durationMs: this.elapsed() });
    controller.abort(new Error('reply larger than the limit'));
  }

  onResponseEnd(): void {
    this.finish({ kind: 'reply', status: this.status, body: this.text(), truncated: false, durationMs: this.elapsed() });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const timedOut =
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError;
    this.finish({ kind: timedOut ? 'timeout' : 'network_error', error: describe(error, timedOut, this.timeoutMs), durationMs: this.elapsed() });
  }

  /** The request could not even be dispatched (a bad URL, a closed client). */
  fail(error: unknown): void {
    this.finish({ kind: 'network_error', error: describe(error, false, this.timeoutMs), durationMs: this.elapsed() });
  }

  /** The deadline passed first. */
  expire(): void {
    this.finish({ kind: 'timeout', error: describe(null, true, this.timeoutMs), durationMs: this.elapsed() });
    this.controller?.abort(new Error('push deadline passed'));
  }

  private finish(result: PushResult): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.resolve(result);
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  private text(): string {
    return this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
  }
}

function expire(exchange: Exchange): void {
  exchange.expire();
}

function describe(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no complete reply within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    const code = (error as Error & { code?: string }).code ?? cause?.code;
    return [code, cause?.message ?? error.message].filter(Boolean).join(': ').slice(0, 300);
  }
  return String(error).slice(0, 300);
}
