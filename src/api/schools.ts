import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import { changeDelivery, replayRange, skipHead } from '../services/school-delivery-actions.js';
import { registerSchool, schoolView, startVerification, updateSchool } from '../services/school-registration.js';
import { publicSchool } from '../store/schools.js';
import { requireAdmin, requireAdminOrSchool, requireSchoolAccess } from './auth.js';
import { createSchoolSchema, patchSchoolSchema, replaySchema, sidParams, skipHeadSchema } from './school-schemas.js';
import { parse } from './validate.js';


/** /v1/schools: registration, endpoint, status and per-school delivery actions (services/school-*.ts). */
export function schoolsRouter(deps: Deps): Router {
  const router = Router();
  const sidOf = (params: unknown) => parse(sidParams, params, 'params').sid;
  /** The sid of the path, once the caller may act on it (admin, or the school itself). */
  const ownSid = (req: Request, res: Response) => {
    const sid = sidOf(req.params);
    requireSchoolAccess(res, sid);
    return sid;
  };
  router.post('/', async (req, res) => {
    requireAdmin(res);
    res.status(201).json(await registerSchool(deps, parse(createSchoolSchema, req.body)));
  });
  router.get('/', async (_req, res) => {
    const only = requireAdminOrSchool(res);
    const all = await deps.schools.list();
    res.json({ items: all.filter((s) => only === undefined || s.sid === only).map(publicSchool) });
  });
  router.get('/:sid', async (req, res) => res.json(await schoolView(deps, ownSid(req, res))));
  router.patch('/:sid', async (req, res) => {
    const sid = ownSid(req, res);
    res.json(await updateSchool(deps, sid, parse(patchSchoolSchema, req.body)));
  });
  router.delete('/:sid', async (req, res) => {
    requireAdmin(res);
    if (!(await deps.schools.delete(sidOf(req.params)))) throw notFound('school');
    res.status(204).end();
  });
  router.post('/:sid/verify', async (req, res) => {
    const sid = ownSid(req, res);
    await startVerification(deps, sid);
    res.status(202).json(await schoolView(deps, sid));
  });
  for (const action of ['pause', 'resume'] as const) {
    router.post(`/:sid/${action}`, async (req, res) => {
      const sid = sidOf(req.params);
      requireAdmin(res);
      await changeDelivery(deps, sid, action);
      res.json(await schoolView(deps, sid));
    });
  }
  router.post('/:sid/rotate-secret', async (req, res) => {
    const secret = await deps.schools.rotateSecret(ownSid(req, res));
    if (!secret) throw notFound('school');
    res.json({ secret });
  });
  router.get('/:sid/stats', async (req, res) => {
    const sid = ownSid(req, res);
    await schoolView(deps, sid);
    res.json(await deps.deliveries.stats(sid));
  });
  router.post('/:sid/skip-head', async (req, res) => {
    const sid = sidOf(req.params);
    requireAdmin(res);
    res.json({ skipped: await skipHead(deps, sid, parse(skipHeadSchema, req.body ?? {}).eventId ?? '') });
  });
  router.post('/:sid/replay', async (req, res) => {
    const sid = ownSid(req, res);
    const range = parse(replaySchema, req.body);
    res.status(202).json({ requeued: await replayRange(deps, sid, Date.parse(range.since), range.until ? Date.parse(range.until) : Date.now()) });
  });
  return router;
}
