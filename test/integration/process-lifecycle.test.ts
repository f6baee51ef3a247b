import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMain as start } from '../helpers/process.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { ADMIN_TOKEN, REDIS_URL, admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';
import { redisAnswers } from '../../src/lib/redis-autostart.js';

describe('process lifecycle', () => {
  let h: Harness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await createHarness('life', { workers: false });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it('SIGTERM lets the in-flight push finish and record its acknowledgement; nothing is lost', async () => {
    receiver.reply = (p) => (p.body.Cmd === 'Test' ? { body: ACK } : { body: ACK, delayMs: 400 });
    const env = { NODE_ENV: 'test', REDIS_URL, ADMIN_TOKEN, KEY_PREFIX: h.prefix, ALLOW_PRIVATE_ENDPOINTS: 'true', LOG_LEVEL: 'info', METRICS_PORT: '0' };
    const first = start(['--role=worker'], env);
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 700, receiver.url);
    await waitFor('active', async () => (await request(h.app).get('/v1/schools/700').set(admin)).body.status === 'active', 20_000);
    const events = Array.from({ length: 10 }, (_, i) => ({ type: 'stage', sid: 700, classId: 1, uid: i + 1, up: true }));
    await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
    await waitFor('a push in flight', () => receiver.events().length >= 2);
    first.child.kill('SIGTERM');
    const code = await first.exited;
    if (code !== 0) console.log(first.output(), first.child.signalCode);
    expect(code).toBe(0);
    const pushedBeforeStop = receiver.events().length;
    const stats = (await request(h.app).get('/v1/schools/700/stats').set(admin)).body;
    // Every push that reached the receiver before the stop was acknowledged and recorded.
    expect(stats.delivered).toBe(pushedBeforeStop);
    expect(stats.backlog).toBe(10 - pushedBeforeStop);
    expect(first.output()).toContain('"message":"stopped"');
    const second = start(['--role=worker'], env);
    await waitFor('the rest delivered', async () => (await request(h.app).get('/v1/schools/700/stats').set(admin)).body.delivered === 10, 20_000);
    expect(receiver.events().map((p) => p.body.UID)).toEqual(events.map((e) => e.uid));
    second.child.kill('SIGTERM');
    const code2 = await second.exited;
    if (code2 !== 0) console.log('SECOND', second.output(), second.child.signalCode);
    expect(code2).toBe(0);
  }, 60_000);

  it('starts a private redis-server with AOF under the data dir when nothing answers at REDIS_URL', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'classbell-data-'));
    const apiPort = await freePort();
    const app = start([], { NODE_ENV: 'development', REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_DATA_DIR: dataDir, PORT: String(apiPort), LOG_LEVEL: 'info' });
    await waitFor('ready', async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined))?.status === 200, 20_000);
    expect(app.output()).toContain('started a private redis-server');
    expect(readdirSync(dataDir).some((f) => f.startsWith('appendonly'))).toBe(true);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(await redisAnswers(`redis://127.0.0.1:${port}`, 500)).toBe(false); // stopped with us
  }, 40_000);

  it('exits 1 listing every configuration problem before listening', async () => {
    const bad = start([], { NODE_ENV: 'production', ADMIN_TOKEN: '', PORT: 'x', DELIVERY_TIMEOUT_MS: '5' });
    expect(await bad.exited).toBe(1);
    for (const name of ['ADMIN_TOKEN', 'PORT', 'DELIVERY_TIMEOUT_MS']) expect(bad.output()).toContain(name);
  });
});
