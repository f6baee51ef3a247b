import { Router } from 'express';
import type { Redis } from 'ioredis';

/** /healthz (the process runs) and /readyz (Redis answers within a second). */
export function healthRouter(redis: Redis): Router {
  const router = Router();
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
