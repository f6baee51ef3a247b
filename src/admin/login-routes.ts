import express, { Router } from 'express';
import type { Deps } from '../deps.js';
import { sameSecret } from '../api/auth.js';
import type { AuthFailureLimit } from '../api/auth-failures.js';
import { pageHeaders, safeNext, sameOrigin, sessionOf } from './page-http.js';
import { SESSION_COOKIE, SESSION_TTL_S, type SessionStore } from './sessions.js';
import { loginPage, messagePage } from './views.js';

/** A failed login answers this much later (a cheap brake on guessing, besides the failure limit). */
const FAILED_LOGIN_DELAY_MS = 300;

/** /admin/login and /admin/logout: dashboard sessions from the admin token or a school API key. */
export function loginRoutes(deps: Deps, sessions: SessionStore, failures: AuthFailureLimit): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
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
  return router;
}
