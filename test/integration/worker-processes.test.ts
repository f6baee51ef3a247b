/**
 * `npm start` (role all) runs the drains in a worker process of their own (WORKER_PROCESSES=1 by
 * default): the pushes come from it, the API's /metrics includes its counters, a worker process
 * that dies is started again, and none outlives a parent that was SIGKILLed.
 */
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMain } from '../helpers/process.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { ADMIN_TOKEN, REDIS_URL, admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

/** The pids of a process's worker processes (its children running `--role=worker`, from /proc). */
function childrenOf(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('--role=worker'));
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start: the API and a worker process', () => {
  let h: Harness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await createHarness('wprocs', { workers: false });
    receiver = await new Receiver().start();
    receiver.reply = () => ({ body: ACK });
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it('pushes from its worker process, counts its pushes in /metrics, restarts it when it dies, and takes it down with a SIGKILLed parent', async () => {
    const port = await freePort();
    const env = { NODE_ENV: 'test', REDIS_URL, ADMIN_TOKEN, KEY_PREFIX: h.prefix, ALLOW_PRIVATE_ENDPOINTS: 'true', LOG_LEVEL: 'info', PORT: String(port) };
    const main = startMain([], env);
    const api = `http://127.0.0.1:${port}`;
    try {
      await waitFor('ready', async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200, 20_000);
      const [worker] = await waitFor('one worker process', () => (childrenOf(main.child.pid!).length === 1 ? childrenOf(main.child.pid!) : null));
      expect(main.output()).toContain('worker processes started');

      const { auth } = await createApp(h.app);
      await createSchool(h.app, 760, receiver.url);
      await waitFor('active', async () => (await request(h.app).get('/v1/schools/760').set(admin)).body.status === 'active', 20_000);
      const events = Array.from({ length: 5 }, (_, i) => ({ type: 'stage', sid: 760, classId: 1, uid: i + 1, up: true }));
      await request(api).post('/v1/events').set(auth).send({ events }).expect(202);
      await waitFor('delivered', async () => (await request(h.app).get('/v1/schools/760/stats').set(admin)).body.delivered === 5, 20_000);

      // The pushes happened in the worker process: only its counters have them.
      const metrics = (await request(api).get('/metrics').set(admin).expect(200)).text;
      const acknowledged = /^classbell_pushes_total\{outcome="delivered"\} (\d+)$/m.exec(metrics);
      expect(Number(acknowledged?.[1])).toBeGreaterThanOrEqual(5);

      // A worker process that dies is started again, and the new one delivers.
      process.kill(worker!, 'SIGKILL');
      const [restarted] = await waitFor('a new worker process', () => {
        const now = childrenOf(main.child.pid!);
        return now.length === 1 && now[0] !== worker ? now : null;
      });
      await request(api).post('/v1/events').set(auth).send({ type: 'stage', sid: 760, classId: 1, uid: 6, up: true }).expect(202);
      await waitFor('delivered by the new one', async () => (await request(h.app).get('/v1/schools/760/stats').set(admin)).body.delivered === 6, 20_000);
      expect(receiver.events().filter((p) => p.body.Cmd !== 'Test').map((p) => p.body.UID)).toEqual([1, 2, 3, 4, 5, 6]);

      // A parent killed outright leaves no worker process behind.
      main.child.kill('SIGKILL');
      await main.exited;
      await waitFor('the worker process gone', () => !alive(restarted!), 15_000);
    } finally {
      main.child.kill('SIGKILL');
    }
  }, 90_000);
});
