import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError, notFound } from '../lib/errors.js';
import { closeClass, effectiveCloseS, putClass } from '../services/class-schedule.js';
import type { ClassRecord } from '../store/classes.js';
import { requireAdminOrServingApp, requireSchoolOrApp } from './auth.js';
import { parse } from './validate.js';

const unixS = z.number().int().positive().max(99_999_999_999, 'must be unix seconds, not milliseconds');
const idInt = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const classParams = z.object({ sid: idInt, classId: idInt });

export const putClassSchema = z
  .strictObject({
    courseId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    title: z.string().trim().min(1).max(200).optional(),
    startTime: unixS.describe('Lesson start, unix s'),
    closeTime: unixS.describe('Scheduled close, unix s, without the 20-minute overtime'),
    teacherUid: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((c) => c.closeTime > c.startTime, { message: 'must be after startTime', path: ['closeTime'] });

export const closeClassSchema = z.strictObject({ realCloseTime: unixS.optional().describe('When the class really ended; default now') });

function view(record: ClassRecord) {
  return { ...record, effectiveCloseTime: effectiveCloseS(record) };
}

/** /v1/schools/:sid/classes: the course schedule (written by admin or an app serving the school; the school reads it). */
export function classesRouter(deps: Deps): Router {
  const router = Router({ mergeParams: true });

  router.put('/:classId', async (req, res) => {
    const { sid, classId } = parse(classParams, req.params, 'params');
    requireAdminOrServingApp(res, sid);
    const input = parse(putClassSchema, req.body);
    if (!(await deps.schools.get(sid))) throw notFound('school');
    res.json(view(await putClass(deps, sid, classId, input)));
  });

  router.get('/:classId', async (req, res) => {
    const { sid, classId } = parse(classParams, req.params, 'params');
    requireSchoolOrApp(res, sid);
    const record = await deps.classes.get(sid, classId);
    if (!record) throw notFound('class');
    res.json(view(record));
  });

  router.post('/:classId/close', async (req, res) => {
    const { sid, classId } = parse(classParams, req.params, 'params');
    requireAdminOrServingApp(res, sid);
    const { realCloseTime } = parse(closeClassSchema, req.body ?? {});
    const nowS = Math.floor(Date.now() / 1000);
    const current = await deps.classes.get(sid, classId);
    if (!current) throw notFound('class');
    if (realCloseTime !== undefined && realCloseTime < current.startTime) {
      throw new AppError('invalid_request', 400, 'realCloseTime is before the class started', [{ path: 'realCloseTime', message: 'before startTime' }]);
    }
    const result = await closeClass(deps, sid, classId, realCloseTime ?? nowS);
    if (!result) throw notFound('class');
    res.json({ ...view(result.record), alreadyClosed: result.alreadyClosed });
  });

  return router;
}
