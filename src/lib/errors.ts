/** One family for every error the API answers on purpose. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('not_found', 404, `${what} not found`);
export const unauthorized = (message = 'missing or invalid credentials') => new AppError('unauthorized', 401, message);
export const forbidden = (message = 'not allowed for these credentials') => new AppError('forbidden', 403, message);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(code, 409, message, details);

/** Redis is down or unreachable: the request can be retried later. */
export const unavailable = () => new AppError('unavailable', 503, 'storage temporarily unavailable, retry later');

/** The 400 of an invalid request: every problem with its path (`events[3].uid`). */
export function invalidRequest(problems: readonly { path: string; message: string }[], where: 'body' | 'query' | 'params' = 'body'): AppError {
  const summary = problems.slice(0, 3).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
  return new AppError('invalid_request', 400, `invalid ${where}: ${summary}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`, problems);
}
