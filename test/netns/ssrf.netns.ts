import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointGuard } from '../../src/lib/endpoint-guard.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';
import { interfaceNames } from './namespace-setup.js';

/** Addresses that are not global unicast, in every form that carries one (issue 17, point 4). */
const FORBIDDEN = [
  '127.0.0.1', '10.0.0.5', '169.254.169.254', '::1', '::ffff:127.0.0.1',
  '::127.0.0.1', '::ffff:0:127.0.0.1', '64:ff9b:1::7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::1', '::169.254.169.254', 'fec0::1',
  '2001:0:5db8:d822::80ff:fffe', // Teredo: public server, client 127.0.0.1 (XOR-ed)
  '2001:0:c0a8:101::f7f7:f7f7', // Teredo: server 192.168.1.1
];
const literal = (address: string) => (address.includes(':') ? `[${address}]` : address);

/**
 * Without ALLOW_PRIVATE_ENDPOINTS, inside a loopback-only network namespace (vitest.netns.config.ts);
 * names resolve through a fake resolver.
 */
describe('endpoint safety (SSRF)', () => {
  let h: Harness;
  let receiver: Receiver;
  let schoolTestLookups = 0;
  beforeAll(async () => {
    h = await createHarness('ssrf', { workers: false, env: { ALLOW_PRIVATE_ENDPOINTS: 'false' } });
    receiver = await new Receiver().start('::'); // dual-stack: would see IPv4-mapped connections too
    receiver.reply = () => ({ body: ACK });
    const port = new URL(receiver.url).port;
    // school.test looks public when registered (first look-up); every later look-up — the
    // connect — gets loopback. No connection is ever attempted to the public address.
    const rebindLookups = new Map<string, number>();
    h.deps.endpointGuard = new EndpointGuard(false, async (host) => {
      if (host === 'school.test') return schoolTestLookups++ === 0 ? ['93.184.216.34'] : ['127.0.0.1'];
      // rebind-<i>.test: public when registered, then FORBIDDEN[i] at every connect.
      const rebind = /^rebind-(\d+)\.test$/.exec(host);
      if (rebind) {
        const seen = rebindLookups.get(host) ?? 0;
        rebindLookups.set(host, seen + 1);
        return seen === 0 ? ['93.184.216.34'] : [FORBIDDEN[Number(rebind[1])]!];
      }
      if (host === 'localhost') return ['127.0.0.1'];
      throw new Error(`ENOTFOUND ${host} (port ${port})`);
    });
    h.startWorkers();
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it.each([
    'http://127.0.0.1:8080/hook', 'http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook', 'http://localhost/hook', 'http://224.0.0.1/', 'http://unknown.test/',
  ])('refuses %s at registration', async (url) => {
    const res = await request(h.app).post('/v1/schools').set(admin).send({ sid: 4242, name: 'x', endpointUrl: url }).expect(400);
    expect(res.body.error.details[0].path).toBe('endpointUrl');
  });

  it('runs where nothing can leave the machine: the only interface is loopback', () => {
    expect(interfaceNames()).toEqual(['lo']);
  });

  it.each(FORBIDDEN.map((address, i) => [address, i] as const))('refuses %s (literal) at registration', async (address, i) => {
    const port = new URL(receiver.url).port;
    const res = await request(h.app).post('/v1/schools').set(admin).send({ sid: 4300 + i, name: 'x', endpointUrl: `http://${literal(address)}:${port}/classin` }).expect(400);
    expect(res.body.error.details[0].path).toBe('endpointUrl');
  });

  it('refuses every forbidden form again at connect time (a name that rebinds to it): nothing is pushed', async () => {
    const port = new URL(receiver.url).port;
    for (const [i] of FORBIDDEN.entries()) await createSchool(h.app, 4400 + i, `http://rebind-${i}.test:${port}/classin`);
    for (const [i, address] of FORBIDDEN.entries()) {
      const school = await waitFor(`verification of ${address} failed`, async () => {
        const body = (await request(h.app).get(`/v1/schools/${4400 + i}`).set(admin)).body;
        return body.status === 'verification_failed' ? body : undefined;
      });
      expect(school.lastError, address).toMatch(/network_error: .*blocked/);
    }
    expect(receiver.pushes).toHaveLength(0);
  });

  it('refuses other schemes and credentials in URLs', async () => {
    for (const url of ['ftp://school.test/', 'file:///etc/passwd', 'http://user:pw@school.test/']) {
      const res = await request(h.app).post('/v1/schools').set(admin).send({ sid: 4243, name: 'x', endpointUrl: url }).expect(400);
      expect(res.body.error.details[0].path).toBe('endpointUrl');
    }
  });

  it('refuses a name that resolves to loopback at connect time (DNS rebinding): the push is a blocked network_error', async () => {
    const port = new URL(receiver.url).port;
    await createSchool(h.app, 4244, `http://school.test:${port}/classin`);
    const school = await waitFor('verification failed', async () => {
      const body = (await request(h.app).get('/v1/schools/4244').set(admin)).body;
      return body.status === 'verification_failed' ? body : undefined;
    });
    expect(school.lastError).toMatch(/network_error: .*blocked/);
    expect(receiver.pushes).toHaveLength(0);
    const { auth } = await createApp(h.app);
    await request(h.app).post('/v1/events').set(auth).send(handsUp(4244, 1)).expect(202); // held: not verified
    expect(receiver.pushes).toHaveLength(0);
  });
});
