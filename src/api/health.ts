import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Metrics } from '../lib/metrics.js';

/** /healthz (the process runs), /readyz (Redis answers within a second), /metrics (Prometheus). */
export function healthRouter(redis: Redis, metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.render());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ok = await Promise.race([
      redis.ping().then((r) => r === 'PONG', () => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref()),
    ]);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'redis unavailable' });
  });
  return router;
}
