import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Deps } from '../deps.js';
import { sameSecret } from '../api/auth.js';
import type { AuthFailureLimit } from '../api/auth-failures.js';
import { queuesBoard } from './queues.js';
import { SESSION_COOKIE, SESSION_TTL_S, type Session, type SessionStore } from './sessions.js';
import { alertsMain, appPage, deliveriesMain, eventMain, loginPage, messagePage, schoolsMain, type PageName } from './views.js';

/** Static assets sit beside this module (scripts/copy-lua.mjs copies them into dist). */
const STATIC_DIR = fileURLToPath(new URL('./static', import.meta.url));

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "object-src 'none'",
].join('; ');

const EVENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Where a login may send the browser back to: dashboard paths only (no open redirect). */
const SAFE_NEXT = /^\/admin(?:\/[A-Za-z0-9_.:\-/]*)?(?:\?[A-Za-z0-9_.:\-=&%+]*)?$/;
const FAILED_LOGIN_DELAY_MS = 300;

const sessionOf = (res: Response) => res.locals.adminSession as Session | undefined;

function pageHeaders(res: Response, csp = true): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'same-origin');
  if (csp) res.setHeader('content-security-policy', CSP);
}

/** A form post must come from this host (old browsers send no SameSite; Origin/Referer still tell). */
function sameOrigin(req: Request): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (!source) return true;
  return URL.canParse(source) && new URL(source).host === req.get('host');
}

function safeNext(value: unknown): string {
  return typeof value === 'string' && SAFE_NEXT.test(value) && !value.includes('//') ? value : '/admin';
}

function loginRedirect(req: Request, res: Response): void {
  res.redirect(302, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
}

/** /admin: the dashboard (login, pages, static assets) and Bull Board at /admin/queues. */
export function adminRouter(deps: Deps, sessions: SessionStore, failures: AuthFailureLimit): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });

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

  router.get('/login', (req, res) => {
    if (sessionOf(res)) return res.redirect(302, safeNext(req.query.next));
    pageHeaders(res);
    res.type('html').send(loginPage({ next: safeNext(req.query.next), signedOut: req.query.signedout === '1' }));
  });

  router.post('/login', form, async (req, res) => {
    pageHeaders(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    if (!sameOrigin(req)) return void res.status(403).type('html').send(loginPage({ error: 'This sign-in came from another site.', next }));
    // The same per-IP limit on failed logins as the API's (shared counter, so it holds across both).
    try {
      await failures.refuseIfLocked(req.ip);
    } catch {
      return void res.status(429).type('html').send(loginPage({ error: 'Too many failed sign-ins from this address; try again later.', next }));
    }
    const session = typeof body.token === 'string' && body.token.length <= 512 ? await sessions.login(body.token) : undefined;
    if (!session) {
      await failures.record(req.ip);
      // Who tried, never what they typed: the guess may be a real token with a typo.
      deps.logger.warn('dashboard login failed', { requestId: res.locals.requestId as string, ip: req.ip });
      await new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS));
      return void res.status(401).type('html').send(loginPage({ error: 'That token is not valid. Use the admin token or a school API key.', next }));
    }
    const old = sessionOf(res);
    if (old) await sessions.destroy(old.id);
    res.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true, sameSite: 'strict', path: '/', maxAge: SESSION_TTL_S * 1000,
      secure: req.secure || req.headers['x-forwarded-proto'] === 'https',
    });
    deps.logger.info('dashboard login', { requestId: res.locals.requestId as string, role: session.principal.kind });
    res.redirect(303, next);
  });

  router.post('/logout', form, async (req, res) => {
    const session = sessionOf(res);
    const given = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (session) {
      if (!sameOrigin(req) || typeof given !== 'string' || !sameSecret(given, session.csrf)) {
        pageHeaders(res);
        return void res.status(403).type('html').send(messagePage('Not signed out', 'The sign-out request did not carry this session\'s token.'));
      }
      await sessions.destroy(session.id);
    }
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });
    res.redirect(303, '/admin/login?signedout=1');
  });

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
