import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Addresses a school endpoint may not point at unless ALLOW_PRIVATE_ENDPOINTS is set. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIPv4(ip: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for loopback, private, link-local (cloud metadata), multicast, reserved and their IPv6 forms. */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family !== 6) return true; // not an address at all: never connect to it
  const v4 = embeddedIPv4(bare);
  return v4 !== undefined ? BLOCKED.check(v4, 'ipv4') : BLOCKED.check(bare, 'ipv6');
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
    if (isIP(host)) return isPrivateAddress(host) ? `${host} is a private, loopback or link-local address` : undefined;
    let addresses: string[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return `${host} does not resolve`;
    }
    const blocked = addresses.find(isPrivateAddress);
    return blocked ? `${host} resolves to ${blocked}, a private, loopback or link-local address` : undefined;
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
