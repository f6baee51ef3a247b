import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { CATALOGUE, isEventType } from '../domain/catalogue.js';
import { normalizeEvent, parseIngestBody, type Problem } from '../domain/events.js';
import { toWire } from '../domain/wire.js';
import { parseStoredEvent } from '../domain/stored-event.js';
import { AppError, forbidden, notFound } from '../lib/errors.js';
import { appServes, type App } from '../store/apps.js';
import { DeliveryStore, type StoredEvent } from '../store/deliveries.js';
import type { OutboxEntry } from '../store/outbox.js';
import { requireAdminOrSchool, requireApp } from './auth.js';
import { wakeDrains } from './school-actions.js';
import { invalid, parse } from './validate.js';

const eventIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'not an event id') });

/** Validated events → outbox entries; every problem of the batch is collected before failing. */
function toEntries(app: App, body: unknown, nowMs: number): OutboxEntry[] {
  const parsed = parseIngestBody(body);
  if (!parsed.success) throw invalid(parsed.problems);
  const problems: Problem[] = [];
  const only = app.sids !== '*' && app.sids.length === 1 ? app.sids[0] : undefined;
  const entries: OutboxEntry[] = [];
  parsed.events.forEach((input, i) => {
    const path = parsed.batch ? `events[${i}]` : '';
    const sid = input.sid ?? only;
    if (sid === undefined) {
      problems.push({ path: path ? `${path}.sid` : 'sid', message: 'required: this app serves more than one school' });
      return;
    }
    const id = input.id ?? DeliveryStore.assignId(sid, nowMs);
    const event = normalizeEvent(input, { sid, id, nowS: Math.floor(nowMs / 1000) });
    entries.push({ id, sid, indexed: input.id !== undefined, type: event.type, json: JSON.stringify(event) });
  });
  if (problems.length > 0) throw invalid(problems);
  const denied = entries.find((e) => !appServes(app, e.sid));
  if (denied) throw forbidden(`this app may not post events for school ${denied.sid}`);
  return entries;
}

/** The API's view of a stored event: wire body as it is pushed (without TimeStamp/SafeKey). */
export function eventView(stored: StoredEvent) {
  const type = stored.type;
  return {
    event: { ...stored.event, acceptedAt: stored.createdAt },
    wire: isEventType(type) ? toWire(parseStoredEvent(JSON.stringify(stored.event))) : null,
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
    const app = requireApp(res);
    const nowMs = Date.now();
    const entries = toEntries(app, req.body, nowMs);
    const result = await deps.outbox.ingest(app.appId, entries, nowMs);
    if (result.kind === 'no_school') throw notFound(`school ${result.sid}`);
    if (result.kind === 'id_taken') throw new AppError('id_taken', 409, `event id ${result.id} is already used by another app`, { id: result.id });
    await wakeDrains(deps, result.wakes);
    res.status(202).json({ accepted: result.accepted, duplicates: result.duplicates });
  });

  router.get('/:id', async (req, res) => {
    const only = requireAdminOrSchool(res);
    const { id } = parse(eventIdParams, req.params, 'params');
    const stored = await deps.deliveries.getEvent(id);
    // Another school's event is "not found": existence is not revealed.
    if (!stored || (only !== undefined && stored.sid !== only)) throw notFound('event');
    res.json({ id: stored.id, sid: stored.sid, type: stored.type, ...eventView(stored) });
  });

  router.post('/:id/redeliver', async (req, res) => {
    const only = requireAdminOrSchool(res);
    const { id } = parse(eventIdParams, req.params, 'params');
    const stored = await deps.deliveries.getEvent(id);
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
