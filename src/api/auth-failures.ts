import ipaddr from 'ipaddr.js';
import type { Limit, RateLimiter } from '../store/rate-limits.js';

/**
 * The subject a client's failed authentications are counted under: an IPv4 address (IPv4-mapped
 * IPv6 included) as it is, an IPv6 address by its /64, since one host usually holds a whole /64
 * and could otherwise rotate through it freely.
 */
function failureSubject(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  return `${(address as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}

/**
 * Failed authentications per client (API, /metrics and the dashboard login share one counter):
 * past the limit, every attempt from that client gets 429 until the window ends.
 */
export class AuthFailureLimit {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limit: Limit,
  ) {}

  /** Throws the 429 when this client has used up its failures. */
  async refuseIfLocked(ip: string | undefined): Promise<void> {
    await this.limiter.check('auth-fail', failureSubject(ip), this.limit);
  }

  /** Counts one failure (the 429 it may cause is for the next attempt, not this one). */
  async record(ip: string | undefined): Promise<void> {
    await this.limiter.consume('auth-fail', failureSubject(ip), 1, this.limit).catch(() => undefined);
  }
}

/** The limit AUTH_FAILURE_LIMIT and AUTH_FAILURE_WINDOW_S configure (limit 0: never locked). */
export function authFailureLimit(limiter: RateLimiter, config: { authFailureLimit: number; authFailureWindowS: number }): AuthFailureLimit {
  return new AuthFailureLimit(limiter, { limit: config.authFailureLimit, windowMs: config.authFailureWindowS * 1000 });
}
