import { describe, expect, it } from 'vitest';
import { EndpointGuard, isPrivateAddress } from '../../src/lib/endpoint-guard.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0',
    '100.64.0.1', '224.0.0.1', '239.255.255.250', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1',
    'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '64:ff9b::10.0.0.1', '[::1]', 'not-an-ip',
  ])('blocks %s', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false));
});

/** Issue 17, point 4: every IPv6 form that embeds an IPv4 address is judged by that address. */
describe('isPrivateAddress: IPv6 forms (ipaddr.js ranges, embedded IPv4 decoded)', () => {
  it.each([
    ['::127.0.0.1', 'IPv4-compatible loopback'], ['::169.254.169.254', 'IPv4-compatible metadata'], ['::10.1.2.3', 'IPv4-compatible private'],
    ['::ffff:0:127.0.0.1', 'SIIT (RFC 6145) loopback'], ['::ffff:0:192.168.0.1', 'SIIT private'],
    ['64:ff9b:1::7f00:1', 'local-use NAT64 (RFC 8215)'], ['64:ff9b:1::808:808', 'local-use NAT64, even around a public IPv4'],
    ['64:ff9b::7f00:1', 'NAT64 loopback'], ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
    ['2002:7f00:1::1', '6to4 of loopback'], ['2002:a9fe:a9fe::1', '6to4 of metadata'], ['2002:c0a8:101::1', '6to4 of private'],
    ['2001:0:5db8:d822::80ff:fffe', 'Teredo, client 127.0.0.1 (XOR-ed)'], ['2001:0:5db8:d822::f5ff:fffe', 'Teredo, client 10.0.0.1'],
    ['2001:0:c0a8:101::f7f7:f7f7', 'Teredo, server 192.168.1.1'], ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo, client 192.0.2.45 (TEST-NET)'],
    ['fec0::1', 'site-local (deprecated)'], ['100::1', 'discard'], ['2001:db8::1', 'documentation'], ['3fff::1', 'documentation (RFC 9637)'],
    ['5f00::1', 'segment routing'], ['::ffff:100.64.0.1', 'IPv4-mapped carrier-grade NAT'], ['fe80::1%eth0', 'link-local with a zone'],
    ['4000::1', 'outside 2000::/3'], ['1.5', 'an old classful form, not an address'],
  ])('blocks %s (%s)', (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each([
    ['64:ff9b::808:808', 'NAT64 of 8.8.8.8'], ['2002:808:808::1', '6to4 of 8.8.8.8'], ['2001:0:5db8:d822::f7f7:f7f7', 'Teredo, both ends public'],
    ['2a00:1450:4001:81c::200e', 'native global unicast'],
  ])('allows %s (%s)', (ip) => expect(isPrivateAddress(ip)).toBe(false));

  it('names the embedded address in the registration problem, and refuses it at connect time', async () => {
    const guard = new EndpointGuard(false, async () => ['::ffff:0:127.0.0.1']);
    expect(await guard.problem('http://[::127.0.0.1]:8080/hook')).toMatch(/IPv4-compatible form of 127\.0\.0\.1 \(loopback\)/);
    expect(guard.blocksLiteral('http://[2002:7f00:1::1]/')).toBe(true);
    expect(await guard.problem('http://siit.example/')).toMatch(/resolves to ::ffff:0:127.0.0.1/);
    const result = await new Promise<{ error: NodeJS.ErrnoException | null }>((resolve) => guard.lookup('siit.example', {}, (error) => resolve({ error })));
    expect(result.error?.code).toBe('EBLOCKED');
  });
});

describe('EndpointGuard', () => {
  const resolver = (map: Record<string, string[]>) => async (host: string) => {
    if (!map[host]) throw new Error('ENOTFOUND');
    return map[host]!;
  };
  const guard = new EndpointGuard(false, resolver({ 'school.example': ['93.184.216.34'], 'inside.example': ['93.184.216.34', '10.0.0.7'], localhost: ['127.0.0.1'] }));

  it('refuses literal and resolved private addresses, and names that do not resolve', async () => {
    expect(await guard.problem('https://school.example/hook')).toBeUndefined();
    expect(await guard.problem('http://169.254.169.254/latest/meta-data')).toMatch(/private, loopback or link-local/);
    expect(await guard.problem('http://[::1]:8080/')).toMatch(/private/);
    expect(await guard.problem('http://localhost/')).toMatch(/resolves to 127.0.0.1/);
    expect(await guard.problem('http://inside.example/')).toMatch(/resolves to 10.0.0.7/);
    expect(await guard.problem('http://nowhere.example/')).toMatch(/does not resolve/);
  });

  it('is off with ALLOW_PRIVATE_ENDPOINTS', async () => {
    const open = new EndpointGuard(true, resolver({}));
    expect(await open.problem('http://127.0.0.1/')).toBeUndefined();
    expect(open.blocksLiteral('http://127.0.0.1/')).toBe(false);
  });

  it('its connect-time lookup refuses names that now resolve privately (DNS rebinding)', async () => {
    let answer = ['93.184.216.34'];
    const rebinding = new EndpointGuard(false, async () => answer);
    expect(await rebinding.problem('https://rebind.example/')).toBeUndefined();
    answer = ['127.0.0.1'];
    const result = await new Promise<{ error: NodeJS.ErrnoException | null }>((resolve) => rebinding.lookup('rebind.example', {}, (error) => resolve({ error })));
    expect(result.error?.code).toBe('EBLOCKED');
  });
});
