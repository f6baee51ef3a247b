import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { CATALOGUE, isEventType } from '../domain/catalogue.js';
import { forbidden } from '../lib/errors.js';
import { DELIVERY_STATUSES, DeliveryStore, type DeliveryStatus } from '../store/deliveries.js';
import { requireAdminOrSchool } from './auth.js';
import { parse } from './validate.js';

const time = z.union([z.iso.datetime({ offset: true }), z.coerce.number().int().nonnegative()]).transform((v) =>
  typeof v === 'number' ? (v < 1e11 ? v * 1000 : v) : Date.parse(v),
);

export const deliveriesQuery = z.object({
  sid: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  status: z.enum(DELIVERY_STATUSES as [DeliveryStatus, ...DeliveryStatus[]]).optional(),
  type: z.string().refine(isEventType, 'unknown event type').optional(),
  since: time.optional().describe('ISO time or unix seconds/ms: accepted at or after'),
  until: time.optional().describe('ISO time or unix seconds/ms: accepted at or before'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(400).refine(DeliveryStore.isValidCursor, 'not a cursor from this API').optional(),
});

/** GET /v1/deliveries: the delivery log, newest first, with cursor paging. */
export function deliveriesRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const only = requireAdminOrSchool(res);
    const q = parse(deliveriesQuery, req.query, 'query');
    if (only !== undefined && q.sid !== undefined && q.sid !== only) throw forbidden();
    const sid = only ?? q.sid;
    const page = await deps.deliveries.list({
      ...(sid !== undefined ? { sid } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.since !== undefined ? { sinceMs: q.since } : {}),
      ...(q.until !== undefined ? { untilMs: q.until } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      limit: q.limit,
    });
    res.json({
      items: page.items.map((e) => ({
        eventId: e.id,
        sid: e.sid,
        type: e.type,
        cmd: isEventType(e.type) ? CATALOGUE[e.type].cmd : null,
        status: e.status,
        attempts: e.attemptCount,
        createdAt: e.createdAt,
        deliveredAt: e.deliveredAt,
        lastAttempt: e.attempts.at(-1) ?? null,
      })),
      nextCursor: page.nextCursor,
    });
  });
  return router;
}
