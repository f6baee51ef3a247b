import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { appServes, type App, type AppStore } from '../store/apps.js';
import type { SchoolStore } from '../store/schools.js';
import { forbidden, unauthorized } from '../lib/errors.js';
import type { AuthFailureLimit } from './auth-failures.js';

/** Who is calling, from the Authorization header. */
export type Principal = { kind: 'admin' } | { kind: 'app'; app: App } | { kind: 'school'; sid: number };

const sha = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time equality of two strings (compared as SHA-256 digests, so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha(a), sha(b));
}

/** Caches successful app logins briefly so hot ingest paths skip a Redis round trip. */
class AppLoginCache {
  private readonly entries = new Map<string, { app: App; until: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string): App | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.app;
    if (hit) this.entries.delete(key);
    return undefined;
  }
  set(key: string, app: App): void {
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { app, until: Date.now() + this.ttlMs });
  }
  /** Forgets an app at once in this process (delete, rotate); other processes within ttlMs. */
  forget(appId: string): void {
    for (const [key, entry] of this.entries) if (entry.app.appId === appId) this.entries.delete(key);
  }
}

/**
 * Resolves the dashboard's session cookie (src/admin/sessions.ts). A cookie-authenticated call that
 * changes something must carry the session's CSRF token in `x-classbell-csrf`.
 */
export interface SessionLookup {
  principalFromCookie(cookieHeader: string | undefined): Promise<{ principal: Principal; csrf: string } | undefined>;
}

/** The header a cookie-authenticated non-GET call repeats its session's CSRF token in. */
const CSRF_HEADER = 'x-classbell-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Authenticator {
  /** Middleware: sets res.locals.principal, or answers 401 for a credential that does not check out. */
  middleware(req: Request, res: Response, next: NextFunction): Promise<void>;
  /** The app of an Authorization header this process has already proven (its login cache), else undefined. */
  cachedApp(header: string | undefined): App | undefined;
  forgetApp(appId: string): void;
}

export function createAuthenticator(
  adminToken: string, apps: AppStore, schools: SchoolStore, cacheTtlMs = 5000, sessions?: SessionLookup, failures?: AuthFailureLimit,
): Authenticator {
  const cache = new AppLoginCache(cacheTtlMs);
  /** The app of a Basic credential already proven good (a cached login), or undefined. */
  function cachedAppOf(header: string | undefined): App | undefined {
    if (!header?.toLowerCase().startsWith('basic ')) return undefined;
    return cache.get(sha(Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')).toString('hex'));
  }
  async function identify(header: string | undefined): Promise<Principal | undefined | 'invalid'> {
    if (!header) return undefined;
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer' && value) {
      if (sameSecret(value, adminToken)) return { kind: 'admin' };
      const sid = await schools.sidForApiKey(value);
      return sid === undefined ? 'invalid' : { kind: 'school', sid };
    }
    if (scheme === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) return 'invalid';
      const cacheKey = sha(decoded).toString('hex');
      const cached = cache.get(cacheKey);
      if (cached) return { kind: 'app', app: cached };
      const app = await apps.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
      if (!app) return 'invalid';
      cache.set(cacheKey, app);
      return { kind: 'app', app };
    }
    return 'invalid';
  }
  return {
    async middleware(req, res, next) {
      const header = req.headers.authorization;
      // A cached app login skips the per-IP check, and hashing the credential a second time.
      const cached = cachedAppOf(header);
      if (cached) {
        res.locals.principal = { kind: 'app', app: cached } satisfies Principal;
        next();
        return;
      }
      if (failures && header) await failures.refuseIfLocked(req.ip);
      const principal = header || !sessions ? await identify(header) : await fromSession(req, sessions);
      if (principal === 'invalid') {
        await failures?.record(req.ip);
        throw unauthorized();
      }
      res.locals.principal = principal;
      next();
    },
    cachedApp: cachedAppOf,
    forgetApp: (appId) => cache.forget(appId),
  };
}

/** The dashboard's session cookie, when there is no Authorization header; non-GET calls need the CSRF header. */
async function fromSession(req: Request, sessions: SessionLookup): Promise<Principal | undefined> {
  const session = await sessions.principalFromCookie(req.headers.cookie);
  if (!session) return undefined;
  if (!SAFE_METHODS.has(req.method)) {
    const given = req.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, session.csrf)) throw forbidden('missing or wrong x-classbell-csrf header');
  }
  return session.principal;
}

function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw unauthorized();
  return p;
}

export function requireAdmin(res: Response): void {
  if (principalOf(res).kind !== 'admin') throw forbidden();
}

export function requireApp(res: Response): App {
  const p = principalOf(res);
  if (p.kind !== 'app') throw forbidden('this call needs an app\'s Basic credentials');
  return p.app;
}

/** Admin, or the school itself. Another school's key gets 403 whether or not that school exists. */
export function requireSchoolAccess(res: Response, sid: number): Principal {
  const p = principalOf(res);
  if (p.kind === 'admin' || (p.kind === 'school' && p.sid === sid)) return p;
  throw forbidden();
}

/** Admin or a school; returns the sid a school is limited to (undefined for admin). */
export function requireAdminOrSchool(res: Response): number | undefined {
  const p = principalOf(res);
  if (p.kind === 'admin') return undefined;
  if (p.kind === 'school') return p.sid;
  throw forbidden();
}

/** Admin or an app that serves the school: writing the course schedule (a school only reads it). */
export function requireAdminOrServingApp(res: Response, sid: number): Principal {
  const p = principalOf(res);
  if (p.kind === 'admin' || (p.kind === 'app' && appServes(p.app, sid))) return p;
  throw forbidden('the course schedule is written by admins and apps; a school reads it');
}

/** Admin, the school itself, or an app that serves the school (course schedule). */
export function requireSchoolOrApp(res: Response, sid: number): Principal {
  const p = principalOf(res);
  if (p.kind === 'admin' || (p.kind === 'school' && p.sid === sid)) return p;
  if (p.kind === 'app' && appServes(p.app, sid)) return p;
  throw forbidden();
}
