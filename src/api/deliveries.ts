import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { DeliveryStore } from '../store/deliveries.js';
import { requireAdminOrSchool } from './auth.js';
import { exportDeliveries } from './deliveries-export.js';
import { deliveryFilters, scopedFilter } from './delivery-filters.js';
import { listItem } from './delivery-rows.js';
import { parse } from './validate.js';

export const deliveriesQuery = deliveryFilters.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(400).refine(DeliveryStore.isValidCursor, 'not a cursor from this API').optional(),
});

/** GET /v1/deliveries: the delivery log, newest first, with cursor paging; GET /v1/deliveries/export: all of it. */
export function deliveriesRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    requireAdminOrSchool(res);
    const q = parse(deliveriesQuery, req.query, 'query');
    const page = await deps.deliveries.list({ ...scopedFilter(res, q), ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit });
    res.json({ items: page.items.map(listItem), nextCursor: page.nextCursor });
  });
  router.get('/export', (req, res) => exportDeliveries(deps, req, res));
  return router;
}
