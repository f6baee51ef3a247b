import express, { type Express } from 'express';
import { adminRouter } from './admin/router.js';
import { SessionStore } from './admin/sessions.js';
import { alertsRouter } from './api/alerts.js';
import { appsRouter } from './api/apps.js';
import { classesRouter } from './api/classes.js';
import { createAuthenticator } from './api/auth.js';
import { deliveriesRouter } from './api/deliveries.js';
import { docsRouter } from './api/docs.js';
import { errorHandler, requestId } from './api/error-handler.js';
import { eventsRouter } from './api/events.js';
import { healthRouter } from './api/health.js';
import { roomsRouter } from './api/rooms.js';
import { roomDocs } from './api/rooms-docs.js';
import { scenarioDocs } from './api/scenario/docs.js';
import { scenarioRouter } from './api/scenario/index.js';
import { schoolsRouter } from './api/schools.js';
import { tokensRouter } from './api/tokens.js';
import { metricsTokens } from './config.js';
import type { Deps } from './deps.js';
import { AppError } from './lib/errors.js';

/** Builds the HTTP app; never listens (tests drive it in-process). */
export function buildApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.config.trustProxy) app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use(healthRouter(deps.redis, deps.metrics, metricsTokens(deps.config)));
  app.use(docsRouter([roomDocs, scenarioDocs]));
  app.use(express.json({ limit: '1mb', strict: true }));
  const sessions = new SessionStore(deps.redis, deps.keys, deps.config.adminToken);
  const auth = createAuthenticator(deps.config.adminToken, deps.apps, deps.schools, undefined, sessions, {
    limiter: deps.rateLimits,
    limit: { limit: deps.config.authFailureLimit, windowMs: deps.config.authFailureWindowS * 1000 },
  });
  const v1 = express.Router();
  v1.use((req, res, next) => auth.middleware(req, res, next));
  v1.use('/apps', appsRouter(deps, auth));
  v1.use('/schools/:sid/classes', classesRouter(deps));
  v1.use('/schools', schoolsRouter(deps));
  v1.use('/events', eventsRouter(deps));
  v1.use('/deliveries', deliveriesRouter(deps));
  v1.use('/alerts', alertsRouter(deps));
  v1.use('/tokens', tokensRouter(deps));
  app.use('/v1', v1);
  app.use('/admin', adminRouter(deps, sessions));
  app.use('/conf/v1/apps/:appId', roomsRouter(deps, auth));
  app.use('/scenario/meeting', scenarioRouter(deps, auth));
  app.use((req, _res, next) => next(new AppError('not_found', 404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
