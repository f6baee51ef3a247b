import type { Request, Response } from 'express';
import type { Session } from './sessions.js';

// HTTP pieces every dashboard route shares: headers, same-origin checks, session, redirects.

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "object-src 'none'",
].join('; ');

/** Where a login may send the browser back to: dashboard paths only (no open redirect). */
const SAFE_NEXT = /^\/admin(?:\/[A-Za-z0-9_.:\-/]*)?(?:\?[A-Za-z0-9_.:\-=&%+]*)?$/;

/** The dashboard session loaded for this request, if any. */
export const sessionOf = (res: Response) => res.locals.adminSession as Session | undefined;

/** The headers of every dashboard page (no caching, no framing, a strict CSP unless asked not to). */
export function pageHeaders(res: Response, csp = true): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'same-origin');
  if (csp) res.setHeader('content-security-policy', CSP);
}

/** A form post must come from this host (old browsers send no SameSite; Origin/Referer still tell). */
export function sameOrigin(req: Request): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (!source) return true;
  return URL.canParse(source) && new URL(source).host === req.get('host');
}

/** Where to send the browser after a login: a dashboard path, else /admin. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && SAFE_NEXT.test(value) && !value.includes('//') ? value : '/admin';
}

/** Sends a visitor without a session to the login page, and back here afterwards. */
export function loginRedirect(req: Request, res: Response): void {
  res.redirect(302, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
}

