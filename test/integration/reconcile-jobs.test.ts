import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netReportJobId, summaryJobId, verifyJobId } from '../../src/queue/jobs.js';
import { NET_REPORT_GRACE_MS, reconcileNetReports, reconcileSummaries, reconcileVerifications, SUMMARY_GRACE_MS, VERIFY_GRACE_MS } from '../../workers/maintenance.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

/** Jobs lost between a Redis write and adding the job (Redis outage, crash) are found and added again. */
const nowS = () => Math.floor(Date.now() / 1000);
describe('reconciling lost summary and verify jobs', () => {
  let h: Harness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await createHarness('reconcile', { env: { SUMMARY_DELAY_S: '3600' } });
    receiver = await new Receiver().start();
    receiver.reply = () => ({ body: ACK });
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  it('re-adds an overdue summary job that was lost, and the End push arrives once', async () => {
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 71, receiver.url);
    await waitFor('active', async () => (await request(h.app).get('/v1/schools/71').set(admin)).body.status === 'active');
    const start = Math.floor(Date.now() / 1000) - 600;
    await request(h.app).put('/v1/schools/71/classes/5').set(admin).send({ courseId: 1, startTime: start, closeTime: start + 3600 }).expect(200);
    await request(h.app).post('/v1/events').set(auth).send({ type: 'enter', sid: 71, classId: 5, uid: 8, nickName: 'Di', identity: 1, device: 0 }).expect(202);
    const closed = await request(h.app).post('/v1/schools/71/classes/5/close').set(admin).send({}).expect(200);
    const jobId = summaryJobId(71, 5, closed.body.version);
    expect(await h.deps.scheduler.jobExists(jobId)).toBe(true);
    await h.deps.scheduler.queue.remove(jobId); // lost
    expect(await reconcileSummaries(h.deps, Date.now())).toBe(0); // not overdue yet (due in an hour)
    const overdue = Date.now() + 3600_000 + SUMMARY_GRACE_MS + 1000;
    expect(await reconcileSummaries(h.deps, overdue)).toBe(1);
    await waitFor('End pushed', () => receiver.events().some((p) => p.body.Cmd === 'End'));
    await waitFor('settled', async () => (await request(h.app).get('/v1/schools/71/classes/5').set(admin)).body.summary === 'pushed');
    expect(await reconcileSummaries(h.deps, overdue)).toBe(0); // settled: the due entry is gone
    expect(receiver.events().filter((p) => p.body.Cmd === 'End')).toHaveLength(1);
  });

  it('re-adds a lost verify job for a school left pending', async () => {
    await createSchool(h.app, 72, receiver.url);
    await waitFor('active', async () => (await request(h.app).get('/v1/schools/72').set(admin)).body.status === 'active');
    // A verification whose job never made it into the queue.
    await h.deps.schools.changeStatus(72, 'verifying', 'lostverify1');
    expect(await h.deps.scheduler.jobExists(verifyJobId(72, 'lostverify1'))).toBe(false);
    expect(await reconcileVerifications(h.deps, Date.now())).toBe(0); // too recent
    expect(await reconcileVerifications(h.deps, Date.now() + VERIFY_GRACE_MS + 1000)).toBe(1);
    await waitFor('active again', async () => (await request(h.app).get('/v1/schools/72').set(admin)).body.status === 'active');
  });

  it('re-adds a lost Net report job once its window is long closed, and the Net push arrives once', async () => {
    const { auth } = await createApp(h.app);
    await createSchool(h.app, 73, receiver.url);
    await waitFor('active', async () => (await request(h.app).get('/v1/schools/73').set(admin)).body.status === 'active');
    // A window still open: its job waits for the window's end (up to 5 minutes away).
    const windowStartS = Math.floor(nowS() / 300) * 300;
    const sample = { type: 'network_sample', sid: 73, classId: 6, uid: 9, actionTime: nowS(), rttMs: 80, lossPct: 0, quality: 'good', cpuLevel: 'low', socket: 'udp' };
    await request(h.app).post('/v1/events').set(auth).send(sample).expect(202);
    const jobId = netReportJobId(73, 6, windowStartS);
    expect(await h.deps.scheduler.jobExists(jobId)).toBe(true);
    await h.deps.scheduler.queue.remove(jobId); // lost
    expect(await reconcileNetReports(h.deps, Date.now())).toBe(0); // the window is not over yet
    const overdue = Date.now() + NET_REPORT_GRACE_MS + 1000;
    expect(await reconcileNetReports(h.deps, overdue)).toBe(1);
    await waitFor('Net pushed', () => receiver.events().some((p) => p.body.Cmd === 'Net' && p.body.UID === 9));
    await waitFor('index cleared', async () => (await h.deps.redis.zcard(h.deps.keys.netDue(73))) === 0);
    expect(await reconcileNetReports(h.deps, overdue)).toBe(0);
    expect(receiver.events().filter((p) => p.body.Cmd === 'Net' && p.body.UID === 9)).toHaveLength(1);
  });
});
