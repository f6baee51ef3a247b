import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import { requireAdmin, type Authenticator } from './auth.js';
import { parse } from './validate.js';

export const sidSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const createAppSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).describe('Display name of the classroom server'),
  sids: z.union([z.literal('*'), z.array(sidSchema).min(1).max(100_000)]).describe('Schools the app may post for, or "*"'),
});

const appIdParams = z.object({ appId: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 hex characters') });

/** /v1/apps: classroom servers and their credentials (admin only). */
export function appsRouter(deps: Deps, auth: Authenticator): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    requireAdmin(res);
    const input = parse(createAppSchema, req.body);
    res.status(201).json(await deps.apps.create(input));
  });
  router.get('/', async (_req, res) => {
    requireAdmin(res);
    res.json({ items: await deps.apps.list() });
  });
  router.get('/:appId', async (req, res) => {
    requireAdmin(res);
    const { appId } = parse(appIdParams, req.params, 'params');
    const app = await deps.apps.get(appId);
    if (!app) throw notFound('app');
    res.json(app);
  });
  router.delete('/:appId', async (req, res) => {
    requireAdmin(res);
    const { appId } = parse(appIdParams, req.params, 'params');
    if (!(await deps.apps.delete(appId))) throw notFound('app');
    auth.forgetApp(appId);
    res.status(204).end();
  });
  router.post('/:appId/rotate-secret', async (req, res) => {
    requireAdmin(res);
    const { appId } = parse(appIdParams, req.params, 'params');
    const appSecret = await deps.apps.rotateSecret(appId);
    if (!appSecret) throw notFound('app');
    auth.forgetApp(appId);
    res.json({ appSecret });
  });
  return router;
}
