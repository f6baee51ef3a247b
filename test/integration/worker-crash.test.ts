import { spawn, type ChildProcess } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { ADMIN_TOKEN, REDIS_URL, admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

/** Starts `npm run start:worker` as a separate process against the harness's prefix. */
function spawnWorker(prefix: string): ChildProcess {
  return spawn(process.execPath, ['scripts/start.mjs', '--role=worker'], {
    env: {
      ...process.env, NODE_ENV: 'test', REDIS_URL, ADMIN_TOKEN, KEY_PREFIX: prefix, ALLOW_PRIVATE_ENDPOINTS: 'true',
      // Only what a test needs to run beside others: every delivery setting is the default.
      LOG_LEVEL: 'error', METRICS_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const kill = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

describe('a worker process killed with SIGKILL mid-run', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    h = await createHarness('crash', { workers: false });
  });
  afterAll(async () => {
    await Promise.all(children.map(kill));
    await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('loses nothing and never reorders a school: every event acknowledged, in order', async () => {
    const { auth } = await createApp(h.app);
    const sids = [301, 302, 303, 304, 305];
    for (const sid of sids) {
      const receiver = await new Receiver().start();
      // Slow enough that the kill lands mid-run, with a few failures to exercise retries.
      receiver.reply = (p, i) => (p.body.Cmd !== 'Test' && i % 97 === 13 ? { status: 500, body: 'x' } : { body: ACK, delayMs: 1 });
      receivers.push(receiver);
      await createSchool(h.app, sid, receiver.url);
    }
    children.push(spawnWorker(h.prefix));
    await waitFor('schools active', async () => (await request(h.app).get('/v1/schools').set(admin)).body.items.every((s: { status: string }) => s.status === 'active'), 20_000);
    const perSchool = 400;
    for (let batch = 0; batch < perSchool / 50; batch++) {
      const events = sids.flatMap((sid) => Array.from({ length: 50 }, (_, i) => ({ type: 'stage', sid, classId: 1, uid: batch * 50 + i + 1, up: true })));
      await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
    }
    const total = () => receivers.reduce((n, r) => n + r.events().length, 0);
    await waitFor('some pushes', () => total() > 300, 20_000);
    await kill(children[0]!);
    const atKill = total();
    children.push(spawnWorker(h.prefix));
    await waitFor('pushes resume after the kill', () => total() > atKill + 100, 30_000);
    await kill(children[1]!);
    children.push(spawnWorker(h.prefix), spawnWorker(h.prefix));
    const delivered = async () => {
      let n = 0;
      for (const sid of sids) n += (await request(h.app).get(`/v1/schools/${sid}/stats`).set(admin)).body.delivered as number;
      return n;
    };
    await waitFor('every event acknowledged', async () => (await delivered()) === sids.length * perSchool, 60_000);
    let duplicates = 0;
    for (const r of receivers) {
      const uids = r.events().map((p) => p.body.UID as number);
      // Non-decreasing: after a crash the unacknowledged head may come again, nothing earlier does.
      for (let i = 1; i < uids.length; i++) expect(uids[i]!).toBeGreaterThanOrEqual(uids[i - 1]!);
      expect([...new Set(uids)]).toEqual(Array.from({ length: perSchool }, (_, i) => i + 1));
      const ids = r.events().map((p) => p.body._id);
      duplicates += ids.length - new Set(ids).size;
    }
    console.log(`worker-crash: ${sids.length * perSchool} events, 2 SIGKILLs, ${duplicates} repeated pushes (retries and at-least-once redeliveries)`);
  }, 120_000);
});
