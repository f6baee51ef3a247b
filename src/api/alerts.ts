import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { forbidden } from '../lib/errors.js';
import { AlertStore } from '../store/alerts.js';
import { requireAdminOrSchool } from './auth.js';
import { parse } from './validate.js';

export const alertsQuery = z.object({
  sid: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** GET /v1/alerts: failing heads, failed verifications and their recoveries, newest first. */
export function alertsRouter(deps: Deps): Router {
  const router = Router();
  const alerts = new AlertStore(deps.redis, deps.keys);
  router.get('/', async (req, res) => {
    const only = requireAdminOrSchool(res);
    const q = parse(alertsQuery, req.query, 'query');
    if (only !== undefined && q.sid !== undefined && q.sid !== only) throw forbidden();
    const sid = only ?? q.sid;
    res.json({ items: await alerts.list({ ...(sid !== undefined ? { sid } : {}), limit: q.limit }) });
  });
  return router;
}
