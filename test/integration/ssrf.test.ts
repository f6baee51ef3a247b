import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointGuard } from '../../src/lib/endpoint-guard.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';

/** Without ALLOW_PRIVATE_ENDPOINTS; no traffic leaves loopback (names resolve through a fake resolver). */
describe('endpoint safety (SSRF)', () => {
  let h: Harness;
  let receiver: Receiver;
  let schoolTestLookups = 0;
  beforeAll(async () => {
    h = await createHarness('ssrf', { workers: false, env: { ALLOW_PRIVATE_ENDPOINTS: 'false' } });
    receiver = await new Receiver().start();
    receiver.reply = () => ({ body: ACK });
    const port = new URL(receiver.url).port;
    // school.test looks public when registered (first look-up); every later look-up — the
    // connect — gets loopback. No connection is ever attempted to the public address.
    h.deps.endpointGuard = new EndpointGuard(false, async (host) => {
      if (host === 'school.test') return schoolTestLookups++ === 0 ? ['93.184.216.34'] : ['127.0.0.1'];
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
