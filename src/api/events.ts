import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { CATALOGUE, isEventType } from '../domain/catalogue.js';
import { toWire } from '../domain/wire.js';
import type { SystemEvent } from '../domain/events.js';
import { AppError, notFound } from '../lib/errors.js';
import type { StoredEvent } from '../store/deliveries.js';
import { ingestFromApp } from '../services/ingest.js';
import { requireAdminOrSchool, requireApp } from './auth.js';
import { wakeDrains } from '../services/add-jobs.js';
import { parse } from './validate.js';

const eventIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'not an event id') });

/** The API's view of a stored event: wire body as it is pushed (without TimeStamp/SafeKey). */
function eventView(stored: StoredEvent) {
  const type = stored.type;
  return {
    event: { ...stored.event, acceptedAt: stored.createdAt },
    // The stored record was validated at ingest: map it as it is (no re-serialising).
    wire: isEventType(type) ? toWire(stored.event as unknown as SystemEvent) : null,
    cmd: isEventType(type) ? CATALOGUE[type].cmd : null,
    status: stored.status,
    deliveredAt: stored.deliveredAt,
    attemptCount: stored.attemptCount,
    attempts: stored.attempts,
  };
}

/** /v1/events: ingest (apps), look-up and redelivery (admin, the school). */
export function eventsRouter(deps: Deps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    deps.metrics.ingestRequests.inc({ path: 'express' });
    const app = requireApp(res);
    const tracing = deps.tracing;
    const outcome = tracing === undefined
      ? await ingestFromApp(deps, app, req.body)
      : await tracing.ingest(req.get('traceparent'), app.appId, (traceParent) => ingestFromApp(deps, app, req.body, Date.now(), traceParent));
    res.status(202).json(outcome);
  });

  router.get('/:id', async (req, res) => {
    const only = requireAdminOrSchool(res);
    const { id } = parse(eventIdParams, req.params, 'params');
    // A school looks only among its own events: another school's is "not found".
    const stored = await deps.deliveries.getEvent(id, only);
    if (!stored || (only !== undefined && stored.sid !== only)) throw notFound('event');
    res.json({ id: stored.id, sid: stored.sid, type: stored.type, ...eventView(stored) });
  });

  router.post('/:id/redeliver', async (req, res) => {
    const only = requireAdminOrSchool(res);
    const { id } = parse(eventIdParams, req.params, 'params');
    const stored = await deps.deliveries.getEvent(id, only);
    if (!stored || (only !== undefined && stored.sid !== only)) throw notFound('event');
    if (stored.status !== 'delivered' && stored.status !== 'skipped') {
      throw new AppError('not_settled', 409, `the event is ${stored.status}; only delivered or skipped events can be redelivered`);
    }
    const result = await deps.outbox.requeue(stored.sid, [id]);
    if (result.wakeEpoch !== null) await wakeDrains(deps, [{ sid: stored.sid, epoch: result.wakeEpoch }]);
    res.status(202).json({ requeued: result.requeued });
  });

  return router;
}
