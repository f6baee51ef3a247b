import { createHash, randomBytes } from 'node:crypto';
import type { Principal, SessionLookup } from '../api/auth.js';
import { sameSecret } from '../api/auth.js';
import type { SessionRecords } from '../store/sessions.js';

/** The dashboard's session cookie (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'classbell_session';
/** A dashboard session lives this long after login. */
export const SESSION_TTL_S = 8 * 3600;

/** Who a dashboard session belongs to; only operators and schools log in to the dashboard. */
export type SessionPrincipal = { kind: 'admin' } | { kind: 'school'; sid: number };

/**
 * A session as stored in Redis under `<prefix>:sess:<id>`. `credHash` is the SHA-256 of the
 * credential used to log in: a changed ADMIN_TOKEN or a school key that no longer maps to the
 * school ends the session at once.
 */
interface StoredSession {
  principal: SessionPrincipal;
  csrf: string;
  credHash: string;
  createdAt: number;
}

export interface Session {
  id: string;
  principal: SessionPrincipal;
  /** Sent back by the dashboard's scripts in `x-classbell-csrf` on every non-GET call. */
  csrf: string;
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Reads one cookie from a Cookie header (no dependency for a single name). */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Dashboard sessions in Redis; also the cookie resolver the /v1 authenticator consults. */
export class SessionStore implements SessionLookup {
  constructor(
    private readonly records: SessionRecords,
    private readonly adminToken: string,
    private readonly ttlS = SESSION_TTL_S,
  ) {}

  /** Logs in with the admin token or a school API key; undefined when neither checks out. */
  async login(credential: string): Promise<Session | undefined> {
    const value = credential.trim();
    if (!value) return undefined;
    let principal: SessionPrincipal;
    if (sameSecret(value, this.adminToken)) principal = { kind: 'admin' };
    else {
      const sid = await this.records.sidOfApiKeyHash(sha256Hex(value));
      if (sid === null) return undefined;
      principal = { kind: 'school', sid };
    }
    const id = randomBytes(32).toString('base64url');
    const stored: StoredSession = { principal, csrf: randomBytes(24).toString('base64url'), credHash: sha256Hex(value), createdAt: Date.now() };
    await this.records.save(id, JSON.stringify(stored), this.ttlS);
    return { id, principal, csrf: stored.csrf };
  }

  /** The live session named by a Cookie header, or undefined. */
  async fromCookieHeader(cookieHeader: string | undefined): Promise<Session | undefined> {
    const id = readCookie(cookieHeader, SESSION_COOKIE);
    if (!id || !SESSION_ID.test(id)) return undefined;
    const text = await this.records.load(id);
    if (!text) return undefined;
    const stored = JSON.parse(text) as StoredSession;
    if (!(await this.credentialStillValid(stored))) {
      await this.records.remove(id);
      return undefined;
    }
    return { id, principal: stored.principal, csrf: stored.csrf };
  }

  private async credentialStillValid(stored: StoredSession): Promise<boolean> {
    if (stored.principal.kind === 'admin') return sameSecret(stored.credHash, sha256Hex(this.adminToken));
    return (await this.records.sidOfApiKeyHash(stored.credHash)) === stored.principal.sid;
  }

  /** SessionLookup for the /v1 authenticator. */
  async principalFromCookie(cookieHeader: string | undefined): Promise<{ principal: Principal; csrf: string } | undefined> {
    const session = await this.fromCookieHeader(cookieHeader);
    return session && { principal: session.principal, csrf: session.csrf };
  }

  async destroy(id: string): Promise<void> {
    await this.records.remove(id);
  }
}
