/**
 * The shapes of the API replies the CLI reads (API.md), checked with zod so a
 * mismatch is a clear error rather than `undefined` in a table. Unknown fields
 * are ignored: the API may add some.
 */
import { z } from 'zod';

const subscriptions = z.union([z.literal('*'), z.array(z.string())]);

export const schoolSchema = z.object({
  sid: z.number(),
  name: z.string(),
  endpointUrl: z.string(),
  subscriptions,
  status: z.string(),
  lastError: z.string().nullable().optional(),
});
export type SchoolView = z.infer<typeof schoolSchema>;

export const schoolListSchema = z.object({ items: z.array(schoolSchema) });

/** POST /v1/schools: the only reply that holds the secret and the API key. */
export const createdSchoolSchema = schoolSchema.extend({ secret: z.string(), apiKey: z.string() });

export const attemptSchema = z.object({
  n: z.number(),
  at: z.string(),
  durationMs: z.number(),
  httpStatus: z.number().nullable(),
  errno: z.number().nullable(),
  outcome: z.string(),
  response: z.string().nullable().optional(),
});

export const deliverySchema = z.object({
  eventId: z.string(),
  sid: z.number(),
  type: z.string(),
  status: z.string(),
  attempts: z.number(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  lastAttempt: attemptSchema.nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveriesPageSchema = z.object({ items: z.array(deliverySchema), nextCursor: z.string().nullable() });

export const statsSchema = z.object({
  backlog: z.number(),
  headAttempts: z.number(),
  lastError: z.string().nullable(),
  delivered: z.number(),
  skipped: z.number().optional(),
});
export type StatsView = z.infer<typeof statsSchema>;

export const replayReplySchema = z.object({ requeued: z.number() });
