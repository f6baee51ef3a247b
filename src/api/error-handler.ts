import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, unavailable } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** A request's id: its X-Request-Id when sane, else a new one. */
export function requestIdFor(req: Pick<IncomingMessage, 'headers'>): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
}

/** Gives every request an id (kept from X-Request-Id when sane) for logs and error bodies. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdFor(req);
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

/** True for errors that mean "Redis cannot be reached right now". */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    // Too few replicas confirmed a write in time (REDIS_MIN_REPLICAS_ACK); READONLY: a demoted primary.
    error.name === 'ReplicaWaitError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|LOADING|READONLY|Redis not ready|timed out/i.test(error.message)
  );
}

/**
 * Maps body-parser's errors (too large, malformed JSON, a compressed body that does not decompress)
 * onto the AppError family; `contentEncoding` names the encoding in that last answer.
 */
export function fromBodyParser(error: unknown, contentEncoding?: string): AppError | undefined {
  const e = error as { type?: string; status?: number; message?: string; code?: unknown; errno?: unknown };
  // zlib's own errors (Z_DATA_ERROR, ERR__ERROR_FORMAT_PADDING_…), passed on with status 400 and no type.
  if (e.type === undefined && e.status === 400 && typeof e.code === 'string' && typeof e.errno === 'number') {
    return new AppError('invalid_encoding', 400, `request body is not valid ${contentEncoding ?? 'compressed'} data (Content-Encoding): ${e.message ?? ''}`.trim());
  }
  if (e.type === 'entity.too.large') return new AppError('payload_too_large', 413, 'request body is larger than 1 MiB');
  if (e.type === 'entity.parse.failed') return new AppError('invalid_json', 400, `request body is not valid JSON: ${e.message ?? ''}`.trim());
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new AppError('unsupported_encoding', 415, e.message ?? 'unsupported encoding');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.type) return new AppError('bad_request', e.status, e.message ?? 'bad request');
  return undefined;
}

/**
 * A refused request whose body was never read (401 before the body, 413…): close the connection
 * after the answer rather than let Node drain a body nobody wants.
 */
export function closeIfBodyUnread(req: Request, res: Response): void {
  const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.complete) res.setHeader('connection', 'close');
}

/** The answer to an error: status, extra headers and the `{error: {…}}` body. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string; details?: unknown; requestId: string | undefined } };
}

/** What the error renderer knows of the request (for its logs and body-parser's errors). */
export interface ErrorContext {
  method: string;
  path: string;
  contentEncoding: string | undefined;
}

/**
 * The one mapping of every error onto an answer (express's error handler and the ingest's fast
 * path both send it): an AppError as it is, body-parser's and Redis's errors onto their AppError,
 * anything else a logged 500.
 */
export function errorReply(logger: Logger, error: unknown, request: ErrorContext, requestIdValue: string | undefined): ErrorReply {
  const headers: Record<string, string> = {};
  let appError = error instanceof AppError ? error : fromBodyParser(error, request.contentEncoding);
  if (!appError && isRedisUnavailable(error)) {
    logger.warn('storage unavailable', { requestId: requestIdValue, path: request.path, error: (error as Error).message });
    appError = unavailable();
    headers['retry-after'] = '1';
  }
  if (!appError) {
    logger.error('unhandled error', { requestId: requestIdValue, method: request.method, path: request.path, error: error instanceof Error ? error.stack : String(error) });
    appError = new AppError('internal', 500, 'internal error');
  }
  Object.assign(headers, appError.headers);
  return {
    status: appError.status,
    headers,
    body: { error: { code: appError.code, message: appError.message, ...(appError.details !== undefined ? { details: appError.details } : {}), requestId: requestIdValue } },
  };
}

/** One renderer for every error: `{error: {code, message, details?, requestId}}`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestIdValue = res.locals.requestId as string | undefined;
    const reply = errorReply(logger, error, { method: req.method, path: req.path, contentEncoding: req.headers['content-encoding'] }, requestIdValue);
    if (res.headersSent) return;
    closeIfBodyUnread(req, res);
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.status(reply.status).json(reply.body);
  };
}
