import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { adminRouter } from './admin/router.js';
import { SessionStore } from './admin/sessions.js';
import { SessionRecords } from './store/sessions.js';
import { alertsRouter } from './api/alerts.js';
import { appsRouter } from './api/apps.js';
import { classesRouter } from './api/classes.js';
import { createAuthenticator } from './api/auth.js';
import { jsonBody } from './api/body.js';
import { authFailureLimit } from './api/auth-failures.js';
import { deliveriesRouter } from './api/deliveries.js';
import { docsRouter } from './api/docs.js';
import { errorHandler, requestId } from './api/error-handler.js';
import { eventsRouter } from './api/events.js';
import { ingestFastPath } from './api/ingest-fast-path.js';
import { healthRouter } from './api/health.js';
import { pingRedis } from './store/health.js';
import { roomsRouter } from './api/rooms.js';
import { roomDocs } from './api/rooms-docs.js';
import { scenarioDocs } from './api/scenario/docs.js';
import { scenarioRouter } from './api/scenario/index.js';
import { schoolsRouter } from './api/schools.js';
import { tokensRouter } from './api/tokens.js';
import { metricsTokens } from './config.js';
import type { Deps } from './deps.js';
import { AppError, unauthorized } from './lib/errors.js';

/** express's request entry point, which the app function calls for every request. */
type Handle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Builds the HTTP app; never listens (tests drive it in-process). POST /v1/events, when the
 * ingest's fast path can take it, is answered before express's machinery starts
 * (src/api/ingest-fast-path.ts); every other request goes through express as usual.
 */
export function buildApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.config.trustProxy !== undefined) app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId);
  // One failure counter for /v1, /metrics and the dashboard login: no route is an unlimited oracle.
  const failures = authFailureLimit(deps.rateLimits, deps.config);
  app.use(healthRouter(() => pingRedis(deps.redis), deps.metrics, metricsTokens(deps.config), failures));
  app.use(docsRouter([roomDocs, scenarioDocs]));
  const sessions = new SessionStore(new SessionRecords(deps.redis, deps.keys), deps.config.adminToken);
  const auth = createAuthenticator(deps.config.adminToken, deps.apps, deps.schools, undefined, sessions, failures);
  const v1 = express.Router();
  v1.use((req, res, next) => auth.middleware(req, res, next));
  // Only now, with credentials checked from the headers (none at all: 401), is a body read.
  v1.use((_req, res, next) => next(res.locals.principal ? undefined : unauthorized()), jsonBody);
  // The hot path first: every classroom event is a POST /v1/events.
  v1.use('/events', eventsRouter(deps));
  v1.use('/apps', appsRouter(deps, auth));
  v1.use('/schools/:sid/classes', classesRouter(deps));
  v1.use('/schools', schoolsRouter(deps));
  v1.use('/deliveries', deliveriesRouter(deps));
  v1.use('/alerts', alertsRouter(deps));
  v1.use('/tokens', tokensRouter(deps));
  app.use('/v1', v1);
  app.use('/admin', adminRouter(deps, sessions, failures));
  app.use('/conf/v1/apps/:appId', roomsRouter(deps, auth));
  app.use('/scenario/meeting', scenarioRouter(deps, auth));
  app.use((req, _res, next) => next(new AppError('not_found', 404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  const fast = ingestFastPath(deps, auth);
  const expressHandle = (app as unknown as { handle: Handle }).handle.bind(app);
  (app as unknown as { handle: Handle }).handle = (req, res, next) => {
    if (!fast.serve(req, res)) expressHandle(req, res, next);
  };
  return app;
}
