import { Agent, errors as undiciErrors } from 'undici';
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

  constructor(options: PushClientOptions = {}) {
    this.guard = options.guard;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      pipelining: 1,
      ...(options.guard ? { connect: { lookup: options.guard.lookup } } : {}),
    });
  }

  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PushResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    if (this.guard?.blocksLiteral(url)) {
      return { kind: 'network_error', error: 'blocked: the endpoint is a private, loopback or link-local address', durationMs: 0 };
    }
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const target = new URL(url);
      const response = await this.agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers,
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const { text, truncated } = await readCapped(response.body);
      return { kind: 'reply', status: response.statusCode, body: text, truncated, durationMs: elapsed() };
    } catch (error) {
      const timedOut =
        signal.aborted ||
        error instanceof undiciErrors.HeadersTimeoutError ||
        error instanceof undiciErrors.BodyTimeoutError ||
        error instanceof undiciErrors.ConnectTimeoutError;
      return { kind: timedOut ? 'timeout' : 'network_error', error: describe(error, timedOut, timeoutMs), durationMs: elapsed() };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

type Body = AsyncIterable<Buffer | Uint8Array> & { destroy(error?: Error): unknown };

async function readCapped(body: Body): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (size + buf.length > MAX_REPLY_BYTES) {
      chunks.push(buf.subarray(0, MAX_REPLY_BYTES - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(buf);
    size += buf.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
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
