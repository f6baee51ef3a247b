import ipaddr from 'ipaddr.js';

/**
 * Whether an address is global unicast, the only kind a school endpoint may use. IPv6 forms that
 * carry an IPv4 address (mapped, compatible, SIIT, NAT64, 6to4, Teredo) are judged by the IPv4
 * address inside them: `[::127.0.0.1]` reaches loopback as surely as 127.0.0.1 does.
 */
export type AddressVerdict = { global: true } | { global: false; why: string };

const GLOBAL: AddressVerdict = { global: true };
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const NAT64_LOCAL_USE = ipaddr.parseCIDR('64:ff9b:1::/48');

/** The IPv4 address in 32 bits of a 16-bit-parts array, from part `at` (optionally XOR-ed, Teredo). */
function ipv4At(parts: number[], at: number, xorMask = 0): ipaddr.IPv4 {
  const value = ((((parts[at] ?? 0) << 16) | (parts[at + 1] ?? 0)) ^ xorMask) >>> 0;
  return new ipaddr.IPv4([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

function judgeIPv4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  if (range === 'unicast') return GLOBAL;
  return { global: false, why: `${address.toString()} is ${range}` };
}

/** The IPv4 addresses an IPv6 address carries, by its form; undefined when it carries none. */
function embeddedIPv4(address: ipaddr.IPv6): { form: string; inside: ipaddr.IPv4[] } | undefined {
  const p = address.parts;
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return { form: 'IPv4-mapped', inside: [ipv4At(p, 6)] };
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return { form: 'SIIT (RFC 6145)', inside: [ipv4At(p, 6)] };
  if (zeros(0, 6)) return { form: 'IPv4-compatible', inside: [ipv4At(p, 6)] };
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return { form: 'NAT64', inside: [ipv4At(p, 6)] };
  if (p[0] === 0x2002) return { form: '6to4', inside: [ipv4At(p, 1)] };
  // Teredo: the server's IPv4 in bits 32-63, the client's in 96-127 with every bit inverted.
  if (p[0] === 0x2001 && p[1] === 0) return { form: 'Teredo', inside: [ipv4At(p, 2), ipv4At(p, 6, 0xffffffff)] };
  return undefined;
}

function judgeIPv6(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  if (range === 'loopback' || range === 'unspecified') return { global: false, why: `${address.toString()} is ${range}` };
  // Local-use NAT64 (RFC 8215) translates into the operator's own network, whatever it embeds.
  if (address.match(NAT64_LOCAL_USE)) return { global: false, why: `${address.toString()} is a local-use NAT64 address` };
  const embedded = embeddedIPv4(address);
  if (embedded) {
    const bad = embedded.inside.find((v4) => !judgeIPv4(v4).global);
    if (bad) return { global: false, why: `${address.toString()} is the ${embedded.form} form of ${bad.toString()} (${bad.range()})` };
    return GLOBAL;
  }
  if (range === 'unicast' && address.match(GLOBAL_UNICAST_V6)) return GLOBAL;
  return { global: false, why: `${address.toString()} is ${range === 'unicast' ? 'outside global unicast (2000::/3)' : range}` };
}

/**
 * An IPv6 literal as URLs write it (WHATWG serializer): `::127.0.0.1` becomes `::7f00:1`, as it
 * does in an endpoint URL; ipaddr.js alone would read it as the IPv4-mapped `::ffff:127.0.0.1`.
 */
function canonicalIPv6(text: string): string | undefined {
  const bracketed = `http://[${text}]/`;
  return URL.canParse(bracketed) ? new URL(bracketed).hostname.slice(1, -1) : undefined;
}

/** Classifies an address (brackets allowed); anything that is not an address is never global. */
export function classifyAddress(text: string): AddressVerdict {
  const bare = text.replace(/^\[|\]$/g, '');
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return judgeIPv4(ipaddr.IPv4.parse(bare));
  const v6 = bare.includes(':') ? canonicalIPv6(bare) : undefined;
  if (v6 !== undefined && ipaddr.IPv6.isValid(v6)) return judgeIPv6(ipaddr.IPv6.parse(v6));
  return { global: false, why: `${bare} is not an IP address` };
}
