/**
 * POST /v1/events without express. Most classroom servers post one event per request, so this
 * route's fixed cost per request is most of classbell's API CPU: on the 2-core bench machine
 * express's machinery (prototype swaps, the router's layers, body-parser, res.json) cost about
 * 250 µs of CPU per request against about 110 µs for node:http itself (bench/README.md "The
 * ingest's fast path"). The fast path takes only requests it answers exactly as the express route
 * would — same checks, same ingest, same error bodies — and leaves everything else to express:
 *
 * - `POST /v1/events` exactly (no query, no trailing slash, that case);
 * - an app login this process has already proven (the authenticator's cache: a first login, a
 *   wrong one and the per-IP lock-out stay in one place, the express middleware);
 * - `Content-Type: application/json` (charset absent or utf-8), no `Content-Encoding`, a
 *   `Content-Length` within the 1 MiB limit (no chunked body);
 * - tracing off (a traced ingest opens its span in the express route).
 *
 * test/api/ingest-fast-path.test.ts sends the same requests through both paths and compares the
 * answers byte for byte.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { ingestFromApp } from '../services/ingest.js';
import type { App } from '../store/apps.js';
import type { Authenticator } from './auth.js';
import { JSON_BODY_LIMIT_BYTES } from './body.js';
import { errorReply, requestIdFor } from './error-handler.js';

export const INGEST_PATH = '/v1/events';

/** `application/json`, optionally with `charset=utf-8`: what body-parser reads as UTF-8 JSON. */
const JSON_UTF8 = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

export interface IngestFastPath {
  /** Takes the request and answers it (true), or leaves it untouched for express (false). */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

export function ingestFastPath(deps: Deps, auth: Pick<Authenticator, 'cachedApp'>): IngestFastPath {
  const traced = deps.tracing !== undefined;
  const served = deps.metrics.ingestRequests.labels({ path: 'fast' });
  /** The app whose request this path may take, from the headers alone. */
  function eligible(req: IncomingMessage): App | undefined {
    if (traced || req.method !== 'POST' || req.url !== INGEST_PATH) return undefined;
    const headers = req.headers;
    if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return undefined;
    const length = headers['content-length'];
    if (length === undefined || !(Number(length) <= JSON_BODY_LIMIT_BYTES)) return undefined;
    const type = headers['content-type'];
    if (type === undefined || !JSON_UTF8.test(type)) return undefined;
    return auth.cachedApp(headers.authorization);
  }

  async function answer(res: ServerResponse, app: App, requestId: string, body: string): Promise<void> {
    try {
      const outcome = await ingestFromApp(deps, app, parseJsonBody(body));
      send(res, 202, outcome);
    } catch (error) {
      const reply = errorReply(deps.logger, error, { method: 'POST', path: INGEST_PATH, contentEncoding: undefined }, requestId);
      if (res.headersSent) return;
      for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
      send(res, reply.status, reply.body);
    }
  }

  return {
    serve(req, res) {
      const app = eligible(req);
      if (app === undefined) return false;
      served.inc();
      const requestId = requestIdFor(req);
      res.setHeader('x-request-id', requestId);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        // answer() renders every error itself; this only guards against one in the rendering.
        answer(res, app, requestId, decodeUtf8(chunks)).catch((error: unknown) => {
          deps.logger.error('ingest fast path failed to answer', { requestId, error: error instanceof Error ? error.message : String(error) });
          res.destroy();
        });
      });
      // The client went away mid-body: nobody to answer.
      req.on('error', () => res.destroy());
      return true;
    },
  };
}

/** As express's res.json: JSON with `application/json; charset=utf-8` and its length. */
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** The body as body-parser reads it: UTF-8, a leading byte-order mark dropped. */
function decodeUtf8(chunks: Buffer[]): string {
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const FIRST_NON_WHITESPACE = /^[ \t\n\r]*([^ \t\n\r]|$)/;

/**
 * JSON.parse as body-parser's strict JSON parser does it (express.json({strict: true})): an empty
 * body is `{}`, a body that is not an object or array is refused with the message JSON.parse gives
 * at its first character, and the error reads as the express route's `invalid_json`.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return {};
  try {
    if (text[0] !== '{' && text[0] !== '[') {
      const first = FIRST_NON_WHITESPACE.exec(text)?.[1] || undefined;
      if (first !== '{' && first !== '[') throw strictViolation(text, first);
    }
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('invalid_json', 400, `request body is not valid JSON: ${message}`.trim());
  }
}

/** The SyntaxError body-parser reports for a top-level value that is not `{` or `[`. */
function strictViolation(text: string, first: string | undefined): SyntaxError {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return new SyntaxError('strict violation');
  } catch (error) {
    const message = (error as Error).message.replace(/#+/g, (placeholder) => text.slice(index, index + placeholder.length));
    return new SyntaxError(message);
  }
}
