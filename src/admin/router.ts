import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Deps } from '../deps.js';
import type { AuthFailureLimit } from '../api/auth-failures.js';
import { loginRoutes } from './login-routes.js';
import { loginRedirect, pageHeaders, sameOrigin, sessionOf } from './page-http.js';
import { queuesBoard } from './queues.js';
import type { Session, SessionStore } from './sessions.js';
import { alertsMain, appPage, deliveriesMain, eventMain, messagePage, schoolsMain, type PageName } from './views.js';

/** Static assets sit beside this module (scripts/copy-lua.mjs copies them into dist). */
const STATIC_DIR = fileURLToPath(new URL('./static', import.meta.url));

const EVENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** /admin: the dashboard (login, pages, static assets) and Bull Board at /admin/queues. */
export function adminRouter(deps: Deps, sessions: SessionStore, failures: AuthFailureLimit): Router {
  const router = Router();

  const loadSession: RequestHandler = async (req, res, next) => {
    res.locals.adminSession = await sessions.fromCookieHeader(req.headers.cookie);
    next();
  };
  const requireSession: RequestHandler = (req, res, next) => {
    if (!sessionOf(res)) return loginRedirect(req, res);
    next();
  };
  const page = (name: PageName, title: string, main: (s: Session, req: Request) => string): RequestHandler => (req, res) => {
    const session = sessionOf(res)!;
    pageHeaders(res);
    res.type('html').send(appPage({ title, session, page: name, main: main(session, req) }));
  };

  router.use('/static', express.static(STATIC_DIR, { index: false, maxAge: '5m', redirect: false }));
  router.use(loadSession);

  router.use(loginRoutes(deps, sessions, failures));

  router.use('/queues', requireAdminForQueues, queuesBoard(deps.scheduler.queue));

  router.get('/', requireSession, page('schools', 'Schools', (s) => schoolsMain(s)));
  router.get('/deliveries', requireSession, page('deliveries', 'Delivery log', (s) => deliveriesMain(s)));
  router.get('/alerts', requireSession, page('alerts', 'Alerts', () => alertsMain()));
  router.get('/events/:id', requireSession, (req, res, next) => {
    const id = String(req.params.id);
    if (!EVENT_ID.test(id)) return notFoundPage(res);
    page('event', `Event ${id}`, () => eventMain(id))(req, res, next);
  });
  router.use((_req, res) => notFoundPage(res));
  return router;
}

function notFoundPage(res: Response): void {
  pageHeaders(res);
  res.status(404).type('html').send(messagePage('Not found', 'There is no dashboard page here.'));
}

/** Bull Board is for operators only; its own state-changing calls must come from this origin. */
function requireAdminForQueues(req: Request, res: Response, next: NextFunction): void {
  const session = sessionOf(res);
  const isApi = req.path.startsWith('/api/');
  if (!session) {
    if (isApi) return void res.status(401).json({ error: { code: 'unauthorized', message: 'sign in at /admin/login', requestId: res.locals.requestId as string } });
    return loginRedirect(req, res);
  }
  if (session.principal.kind !== 'admin') {
    pageHeaders(res);
    return void res.status(403).type('html').send(messagePage('Operators only', 'The queues view is for operators; sign in with the admin token.'));
  }
  if (!['GET', 'HEAD'].includes(req.method) && (!req.headers.origin && !req.headers.referer || !sameOrigin(req))) {
    return void res.status(403).json({ error: { code: 'forbidden', message: 'cross-origin request refused', requestId: res.locals.requestId as string } });
  }
  pageHeaders(res, false);
  next();
}
