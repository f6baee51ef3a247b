import type { z } from 'zod';
import { describeIssues } from '../domain/events.js';
import { invalidRequest } from '../lib/errors.js';

/** Parses with a zod schema or throws a 400 listing every problem with its path. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidRequest(describeIssues(result.error.issues), where);
}

