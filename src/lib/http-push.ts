import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import type { EndpointGuard } from './endpoint-guard.js';

/** Largest reply read from a receiver; an acknowledgement is a few dozen bytes. */
export const MAX_REPLY_BYTES = 64 * 1024;

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
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    if (this.guard?.blocksLiteral(url)) {
      return Promise.resolve({ kind: 'network_error', error: 'blocked: the endpoint is a private, loopback or link-local address', durationMs: 0 });
    }
    let target: Target;
    try {
      target = this.targetOf(url);
    } catch (error) {
      return Promise.resolve({ kind: 'network_error', error: describe(error, false, timeoutMs), durationMs: elapsed() });
    }
    return new Promise<PushResult>((resolve) => {
      const reply = new ReplyCollector();
      let controller: Dispatcher.DispatchController | undefined;
      let done = false;
      const finish = (result: PushResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', error: describe(null, true, timeoutMs), durationMs: elapsed() });
        controller?.abort(new Error('push deadline passed'));
      }, timeoutMs);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (done) c.abort(new Error('push deadline passed'));
        },
        onResponseStart(_c, statusCode) {
          reply.status = statusCode;
        },
        onResponseData(c, chunk) {
          if (!reply.add(chunk)) return;
          // Over MAX_REPLY_BYTES: judge what was read and drop the connection.
          finish({ kind: 'reply', status: reply.status, body: reply.text(), truncated: true, durationMs: elapsed() });
          c.abort(new Error('reply larger than the limit'));
        },
        onResponseEnd() {
          finish({ kind: 'reply', status: reply.status, body: reply.text(), truncated: false, durationMs: elapsed() });
        },
        onResponseError(_c, error) {
          const timedOut =
            error instanceof undiciErrors.HeadersTimeoutError ||
            error instanceof undiciErrors.BodyTimeoutError ||
            error instanceof undiciErrors.ConnectTimeoutError;
          finish({ kind: timedOut ? 'timeout' : 'network_error', error: describe(error, timedOut, timeoutMs), durationMs: elapsed() });
        },
      };
      try {
        this.agent.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, handler);
      } catch (error) {
        finish({ kind: 'network_error', error: describe(error, false, timeoutMs), durationMs: elapsed() });
      }
    });
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

/** The reply's status and its first MAX_REPLY_BYTES. */
class ReplyCollector {
  status = 0;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** Keeps the chunk (cut at the limit); true when the reply went over the limit. */
  add(chunk: Buffer): boolean {
    if (this.size + chunk.length > MAX_REPLY_BYTES) {
      this.chunks.push(chunk.subarray(0, MAX_REPLY_BYTES - this.size));
      this.size = MAX_REPLY_BYTES;
      return true;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return false;
  }

  text(): string {
    return this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
  }
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
