import ipaddr from 'ipaddr.js';

/**
 * The value express's "trust proxy" setting takes: a hop count, true/false, or a list of proxy
 * addresses, CIDR subnets and the names express knows (`loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = boolean | number | string[];

const NAMED_SUBNETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Dotted quads only: ipaddr.js would also take "1.5" (an old classful form) as an address. */
const isAddress = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);

function isAddressOrSubnet(entry: string): boolean {
  if (NAMED_SUBNETS.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  if (!isAddress(address) || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (ipaddr.IPv6.isValid(address) ? 128 : 32);
}

/**
 * Parses TRUST_PROXY the way express reads its own setting; anything else is an error (a string
 * like "1" must not silently become the address 0.0.0.1). Returns the value or the problem.
 */
export function parseTrustProxy(text: string): { value: TrustProxy } | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === 'false') return { value: trimmed === 'true' };
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    return hops <= 1000 ? { value: hops } : { problem: 'a hop count above 1000 is not a proxy chain' };
  }
  const entries = trimmed.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isAddressOrSubnet(e));
  if (bad.length === 0) return { value: entries };
  return { problem: `expected a hop count, true, false, or addresses, subnets and loopback/linklocal/uniquelocal separated by commas; not ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
}
