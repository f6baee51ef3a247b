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
