import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../helpers/harness.js';
import { getFrom, listenLoopback, startProxyHop } from '../helpers/proxy-hop.js';

const PROXY_ADDRESS = '127.0.0.9';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const wrong = { Authorization: 'Bearer wrong-token-xxxxxxxxxxxx' };

/**
 * Issue 17, point 1: TRUST_PROXY behind a real proxy hop on loopback, with the default failure
 * limit (AUTH_FAILURE_LIMIT unset: 20 per minute). Clients connect from their own 127.x addresses.
 */
describe('TRUST_PROXY behind a proxy hop', () => {
  let h: Harness;
  let server: Server;
  let proxy: { port: number; close: () => Promise<void> };
  async function start(trustProxy: string): Promise<number> {
    h = await createHarness('trustproxy', { workers: false, env: { TRUST_PROXY: trustProxy, AUTH_FAILURE_LIMIT: '' } });
    server = createServer(h.app);
    const port = await listenLoopback(server);
    proxy = await startProxyHop(port, PROXY_ADDRESS);
    return port;
  }
  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  it('TRUST_PROXY=1: one client behind the proxy locks only itself out, not everyone', async () => {
    await start('1');
    for (let i = 0; i < 20; i++) expect(await getFrom('127.0.0.2', proxy.port, '/v1/schools', wrong)).toBe(401);
    expect(await getFrom('127.0.0.2', proxy.port, '/v1/schools', wrong)).toBe(429);
    expect(await getFrom('127.0.0.2', proxy.port, '/metrics', admin)).toBe(429);
    // Another client of the same proxy: its own bucket.
    expect(await getFrom('127.0.0.3', proxy.port, '/v1/schools', admin)).toBe(200);
    expect(await getFrom('127.0.0.3', proxy.port, '/metrics', admin)).toBe(200);
    expect(await getFrom('127.0.0.3', proxy.port, '/v1/schools', wrong)).toBe(401);
  });

  it('TRUST_PROXY=<the proxy address>: forwarded addresses from any other peer are ignored', async () => {
    const direct = await start(PROXY_ADDRESS);
    // A client that talks to classbell directly cannot rotate its address through X-Forwarded-For.
    for (let i = 0; i < 20; i++) {
      expect(await getFrom('127.0.0.4', direct, '/v1/schools', { ...wrong, 'x-forwarded-for': `198.51.100.${i}` })).toBe(401);
    }
    expect(await getFrom('127.0.0.4', direct, '/v1/schools', { ...wrong, 'x-forwarded-for': '198.51.100.99' })).toBe(429);
    // Through the trusted proxy the forwarded address counts: 127.0.0.4 is still locked, others not.
    expect(await getFrom('127.0.0.4', proxy.port, '/v1/schools', admin)).toBe(429);
    expect(await getFrom('127.0.0.5', proxy.port, '/v1/schools', admin)).toBe(200);
    expect(await getFrom('127.0.0.5', proxy.port, '/v1/schools', wrong)).toBe(401);
  });
});
