import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { classifyAddress } from './address-class.js';

/**
 * True for every address that is not global unicast: loopback, private, link-local (cloud
 * metadata), multicast, reserved, and IPv6 forms carrying such an IPv4 address (src/lib/address-class.ts).
 */
export function isPrivateAddress(ip: string): boolean {
  return !classifyAddress(ip).global;
}

export type Resolver = (hostname: string) => Promise<string[]>;
export type LookupFn = (hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))));

/**
 * SSRF guard for school endpoints: checked when an endpoint is registered, and again at connect
 * time through `lookup` (so a name that later resolves to a private address — DNS rebinding —
 * is refused too). Disabled by ALLOW_PRIVATE_ENDPOINTS for local testing.
 */
export class EndpointGuard {
  constructor(
    readonly allowPrivate: boolean,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** Undefined when the URL may be used, else the reason. */
  async problem(url: string): Promise<string | undefined> {
    if (this.allowPrivate) return undefined;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const verdict = classifyAddress(host);
      return verdict.global ? undefined : `${verdict.why}: not a global unicast address (private, loopback or link-local)`;
    }
    let addresses: string[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return `${host} does not resolve`;
    }
    const blocked = addresses.find(isPrivateAddress);
    return blocked ? `${host} resolves to ${blocked}, not a global unicast address (private, loopback or link-local)` : undefined;
  }

  /** True when a URL's literal host is a blocked address (connect-time lookup does not see IP literals). */
  blocksLiteral(url: string): boolean {
    if (this.allowPrivate) return false;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return isIP(host) !== 0 && isPrivateAddress(host);
  }

  /** A `net.connect` lookup that refuses blocked addresses. */
  readonly lookup: LookupFn = (hostname, options, callback) => {
    const all = (options as { all?: boolean }).all === true;
    this.resolve(hostname).then(
      (addresses) => {
        const allowed = this.allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a));
        if (allowed.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`blocked: ${hostname} resolves only to private addresses`);
          error.code = 'EBLOCKED';
          callback(error, all ? [] : '');
          return;
        }
        const list = allowed.map((address) => ({ address, family: isIP(address) }));
        if (all) callback(null, list);
        else callback(null, list[0]!.address, list[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, all ? [] : ''),
    );
  };
}
