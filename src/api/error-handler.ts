import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, unavailable } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** Gives every request an id (kept from X-Request-Id when sane) for logs and error bodies. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
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

/** Maps body-parser's errors (too large, malformed JSON) onto the AppError family. */
function fromBodyParser(error: unknown): AppError | undefined {
  const e = error as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.too.large') return new AppError('payload_too_large', 413, 'request body is larger than 1 MiB');
  if (e.type === 'entity.parse.failed') return new AppError('invalid_json', 400, `request body is not valid JSON: ${e.message ?? ''}`.trim());
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new AppError('unsupported_encoding', 415, e.message ?? 'unsupported encoding');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.type) return new AppError('bad_request', e.status, e.message ?? 'bad request');
  return undefined;
}

/** One renderer for every error: `{error: {code, message, details?, requestId}}`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestIdValue = res.locals.requestId as string | undefined;
    let appError = error instanceof AppError ? error : fromBodyParser(error);
    if (!appError && isRedisUnavailable(error)) {
      logger.warn('storage unavailable', { requestId: requestIdValue, path: req.path, error: (error as Error).message });
      appError = unavailable();
      res.setHeader('retry-after', '1');
    }
    if (!appError) {
      logger.error('unhandled error', { requestId: requestIdValue, method: req.method, path: req.path, error: error instanceof Error ? error.stack : String(error) });
      appError = new AppError('internal', 500, 'internal error');
    }
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    res.status(appError.status).json({
      error: { code: appError.code, message: appError.message, ...(appError.details !== undefined ? { details: appError.details } : {}), requestId: requestIdValue },
    });
  };
}
