import type { z } from 'zod';
import { describeIssues } from '../domain/events.js';
import { AppError } from '../lib/errors.js';

/** Parses with a zod schema or throws a 400 listing every problem with its path. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(describeIssues(result.error.issues), where);
}

/** The 400 of an invalid request. */
export function invalid(problems: readonly { path: string; message: string }[], where: 'body' | 'query' | 'params' = 'body'): AppError {
  const summary = problems.slice(0, 3).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
  return new AppError('invalid_request', 400, `invalid ${where}: ${summary}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`, problems);
}
