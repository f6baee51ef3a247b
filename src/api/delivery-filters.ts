/** The delivery log's filters, shared by `GET /v1/deliveries` and its export, and who may see what. */
import type { Response } from 'express';
import { z } from 'zod';
import { isEventType } from '../domain/catalogue.js';
import { forbidden } from '../lib/errors.js';
import { DELIVERY_STATUSES, type DeliveryFilter, type DeliveryStatus } from '../store/deliveries.js';
import { requireAdminOrSchool } from './auth.js';

const time = z.union([z.iso.datetime({ offset: true }), z.coerce.number().int().nonnegative()]).transform((v) =>
  typeof v === 'number' ? (v < 1e11 ? v * 1000 : v) : Date.parse(v),
);

/** The filters the delivery log and its export share. */
export const deliveryFilters = z.object({
  sid: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  status: z.enum(DELIVERY_STATUSES as [DeliveryStatus, ...DeliveryStatus[]]).optional(),
  type: z.string().refine(isEventType, 'unknown event type').optional(),
  since: time.optional().describe('ISO time or unix seconds/ms: accepted at or after'),
  until: time.optional().describe('ISO time or unix seconds/ms: accepted at or before'),
});

/**
 * The store filter for a caller: a school sees only its own log (403 for another sid, whether or
 * not it exists), an admin the sid asked for or every school.
 */
export function scopedFilter(res: Response, q: z.infer<typeof deliveryFilters>): Omit<DeliveryFilter, 'limit' | 'cursor'> {
  const only = requireAdminOrSchool(res);
  if (only !== undefined && q.sid !== undefined && q.sid !== only) throw forbidden();
  const sid = only ?? q.sid;
  return {
    ...(sid !== undefined ? { sid } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.since !== undefined ? { sinceMs: q.since } : {}),
    ...(q.until !== undefined ? { untilMs: q.until } : {}),
  };
}
