import { Router } from 'express';
import type { Metrics } from '../lib/metrics.js';
import { sameSecret } from './auth.js';
import type { AuthFailureLimit } from './auth-failures.js';

/**
 * /healthz (the process runs), /readyz (Redis answers within a second), /metrics (Prometheus;
 * it names the schools with the largest backlogs, so it needs the admin token or METRICS_TOKEN).
 */
export function healthRouter(redisAnswers: () => Promise<boolean>, metrics: Metrics, tokens: readonly string[], failures: AuthFailureLimit): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    await failures.refuseIfLocked(req.ip);
    const header = req.headers.authorization ?? '';
    const given = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
    // Every token is compared (constant time each), so timing does not tell which one matched.
    const ok = tokens.map((t) => given !== '' && sameSecret(given, t)).includes(true);
    if (!ok) {
      await failures.record(req.ip);
      res.status(401).setHeader('www-authenticate', 'Bearer').json({ error: { code: 'unauthorized', message: 'metrics need the admin token or METRICS_TOKEN as a bearer token', requestId: res.locals.requestId as string } });
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.render());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ok = await Promise.race([
      redisAnswers().catch(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref()),
    ]);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'redis unavailable' });
  });
  return router;
}
