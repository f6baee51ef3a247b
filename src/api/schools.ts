import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { EVENT_TYPES, isEventType } from '../domain/catalogue.js';
import { AppError, conflict, notFound } from '../lib/errors.js';
import { publicSchool } from '../store/schools.js';
import { requireAdmin, requireAdminOrSchool, requireSchoolAccess } from './auth.js';
import { sidSchema } from './apps.js';
import { startVerification, wakeDrains } from './school-actions.js';
import { invalid, parse } from './validate.js';

export const endpointUrlSchema = z
  .string()
  .max(2048)
  .refine((text) => URL.canParse(text), 'must be an absolute URL')
  .refine((text) => !URL.canParse(text) || ['http:', 'https:'].includes(new URL(text).protocol), 'only http and https endpoints')
  .refine((text) => !URL.canParse(text) || (!new URL(text).username && !new URL(text).password), 'credentials in the URL are not allowed')
  .describe('Where the school receives pushes');

export const subscriptionsSchema = z
  .union([
    z.literal('*'),
    z.array(z.string().refine(isEventType, { message: `unknown type; valid types: ${EVENT_TYPES.join(', ')}` })).max(100),
  ])
  .describe('"*" or the event types to push');

export const createSchoolSchema = z.strictObject({
  sid: sidSchema.describe('ClassIn school id (SID)'),
  name: z.string().trim().min(1).max(200),
  endpointUrl: endpointUrlSchema,
  // Printable ASCII only: a Standard Webhooks library given the secret as a raw string key (npm
  // `standardwebhooks`, format "raw") takes one byte per UTF-16 unit instead of the UTF-8 bytes we
  // sign with, and would reject every push signed with a non-ASCII secret.
  secret: z.string().min(8).max(256)
    .regex(/^[\x20-\x7e]*$/, { error: 'must be printable ASCII (space to ~): Standard Webhooks libraries do not encode other characters as UTF-8' })
    .optional().describe('Signing secret, printable ASCII; generated when absent'),
  subscriptions: subscriptionsSchema.default('*'),
});

export const patchSchoolSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  endpointUrl: endpointUrlSchema.optional(),
  subscriptions: subscriptionsSchema.optional(),
});

export const sidParams = z.object({ sid: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export const replaySchema = z
  .strictObject({ since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }).optional() })
  .refine((r) => !r.until || Date.parse(r.until) >= Date.parse(r.since), { message: 'until is before since', path: ['until'] });

/** /v1/schools: registration, endpoint, status and per-school delivery actions. */
export function schoolsRouter(deps: Deps): Router {
  const router = Router();

  /** SSRF: the endpoint may not point at private addresses (unless ALLOW_PRIVATE_ENDPOINTS). */
  async function checkEndpoint(url: string | undefined): Promise<void> {
    const problem = url === undefined ? undefined : await deps.endpointGuard.problem(url);
    if (problem) throw invalid([{ path: 'endpointUrl', message: `${problem} (set ALLOW_PRIVATE_ENDPOINTS=true for local testing)` }]);
  }

  router.post('/', async (req, res) => {
    requireAdmin(res);
    const input = parse(createSchoolSchema, req.body);
    await checkEndpoint(input.endpointUrl);
    const created = await deps.schools.create(input);
    if (!created) throw conflict('school_exists', `school ${input.sid} already exists`);
    await startVerification(deps, input.sid);
    res.status(201).json({ ...publicSchool(created.school), secret: created.secret, apiKey: created.apiKey });
  });

  router.get('/', async (_req, res) => {
    const only = requireAdminOrSchool(res);
    const all = await deps.schools.list();
    res.json({ items: all.filter((s) => only === undefined || s.sid === only).map(publicSchool) });
  });

  router.get('/:sid', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireSchoolAccess(res, sid);
    const school = await deps.schools.get(sid);
    if (!school) throw notFound('school');
    res.json(publicSchool(school));
  });

  router.patch('/:sid', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireSchoolAccess(res, sid);
    const patch = parse(patchSchoolSchema, req.body);
    await checkEndpoint(patch.endpointUrl);
    const before = await deps.schools.get(sid);
    if (!before || !(await deps.schools.update(sid, patch))) throw notFound('school');
    if (patch.endpointUrl !== undefined && patch.endpointUrl !== before.endpointUrl) await startVerification(deps, sid);
    res.json(publicSchool((await deps.schools.get(sid))!));
  });

  router.delete('/:sid', async (req, res) => {
    requireAdmin(res);
    const { sid } = parse(sidParams, req.params, 'params');
    if (!(await deps.schools.delete(sid))) throw notFound('school');
    res.status(204).end();
  });

  router.post('/:sid/verify', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireSchoolAccess(res, sid);
    await startVerification(deps, sid);
    res.status(202).json(publicSchool((await deps.schools.get(sid))!));
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/:sid/${action}`, async (req, res) => {
      const { sid } = parse(sidParams, req.params, 'params');
      requireAdmin(res);
      const change = await deps.schools.changeStatus(sid, action);
      if (change.kind === 'missing') throw notFound('school');
      if (change.kind === 'not_paused') throw new AppError('not_paused', 409, 'the school is not paused');
      if (change.kind === 'verify') await startVerification(deps, sid);
      if (change.kind === 'ok' && change.wakeEpoch !== null) await wakeDrains(deps, [{ sid, epoch: change.wakeEpoch }]);
      res.json(publicSchool((await deps.schools.get(sid))!));
    });
  }

  router.post('/:sid/rotate-secret', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireSchoolAccess(res, sid);
    const secret = await deps.schools.rotateSecret(sid);
    if (!secret) throw notFound('school');
    res.json({ secret });
  });

  router.get('/:sid/stats', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireSchoolAccess(res, sid);
    if (!(await deps.schools.get(sid))) throw notFound('school');
    res.json(await deps.deliveries.stats(sid));
  });

  router.post('/:sid/skip-head', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireAdmin(res);
    const expected = parse(z.strictObject({ eventId: z.string().max(128).optional() }).default({}), req.body ?? {});
    if (!(await deps.schools.get(sid))) throw notFound('school');
    const result = await deps.outbox.skipHead(sid, expected.eventId ?? '');
    if (result.kind === 'empty') throw new AppError('outbox_empty', 409, 'nothing is waiting for this school');
    if (result.kind === 'moved') throw new AppError('head_moved', 409, `the head is now ${result.headId}`, { headId: result.headId });
    if (result.wakeEpoch !== null) await wakeDrains(deps, [{ sid, epoch: result.wakeEpoch }]);
    res.json({ skipped: result.skippedId });
  });

  router.post('/:sid/replay', async (req, res) => {
    const { sid } = parse(sidParams, req.params, 'params');
    requireSchoolAccess(res, sid);
    const range = parse(replaySchema, req.body);
    if (!(await deps.schools.get(sid))) throw notFound('school');
    const untilMs = range.until ? Date.parse(range.until) : Date.now();
    let requeued = 0;
    let after: string | null = null;
    do {
      const page = await deps.deliveries.idsInRange(sid, Date.parse(range.since), untilMs, after, 1000);
      if (page.ids.length === 0) break;
      const result = await deps.outbox.requeue(sid, page.ids);
      requeued += result.requeued;
      if (result.wakeEpoch !== null) await wakeDrains(deps, [{ sid, epoch: result.wakeEpoch }]);
      after = page.next;
    } while (after !== null);
    res.status(202).json({ requeued });
  });

  return router;
}
