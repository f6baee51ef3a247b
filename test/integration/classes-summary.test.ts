import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryJobId } from '../../src/queue/jobs.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, waitFor, type Harness } from '../helpers/harness.js';

/** Subscriptions, the course schedule, the lesson summary ("End") and Net reports, end to end. */
describe('classes, subscriptions and after-class data', () => {
  let h: Harness;
  let auth: { Authorization: string };
  const receivers: Receiver[] = [];
  let nextSid = 9000;
  const nowS = () => Math.floor(Date.now() / 1000);

  /** Schedule versions of a class's summary jobs still queued, delayed or running. */
  async function summaryJobsOf(sid: number, classId: number): Promise<number[]> {
    const jobs = await h.deps.scheduler.queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    return jobs.filter((j) => j.name === 'summary' && j.data.sid === sid && j.data.classId === classId).map((j) => j.data.version as number);
  }

  async function school(extra: Record<string, unknown> = {}) {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    receiver.reply = () => ({ body: ACK });
    const sid = nextSid++;
    await createSchool(h.app, sid, receiver.url, extra);
    await waitFor('active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    return { sid, receiver };
  }

  beforeAll(async () => {
    h = await createHarness('classes', { env: { SUMMARY_DELAY_S: '1' } });
    ({ auth } = await createApp(h.app));
  });
  afterAll(async () => {
    await h.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('pushes only subscribed types; a change of subscriptions affects later events only', async () => {
    const { sid, receiver } = await school({ subscriptions: ['reward'] });
    const first = await request(h.app).post('/v1/events').set(auth).send({ events: [
      { type: 'hands_up', sid, classId: 1, uid: 5, up: true },
      { type: 'reward', sid, classId: 1, uid: 5, times: 1 },
    ] }).expect(202);
    await waitFor('reward pushed', () => receiver.events().length === 1);
    expect(receiver.events()[0]!.body.Color).toBe('award5');
    const handsUp = await request(h.app).get(`/v1/events/${first.body.accepted[0]}`).set(admin).expect(200);
    expect(handsUp.body.status).toBe('unsubscribed');
    await request(h.app).patch(`/v1/schools/${sid}`).set(admin).send({ subscriptions: '*' }).expect(200);
    await request(h.app).post('/v1/events').set(auth).send({ type: 'hands_up', sid, classId: 1, uid: 6, up: true }).expect(202);
    await waitFor('hands up pushed', () => receiver.events().length === 2);
    expect(receiver.events().map((p) => p.body.Color)).toEqual(['award5', 'hands up6']);
    const bad = await request(h.app).patch(`/v1/schools/${sid}`).set(admin).send({ subscriptions: ['hands_up', 'teleport'] }).expect(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'subscriptions[1]' });
    expect(bad.body.error.details[0].message).toContain('hands_up');
  });

  it('puts StartTime and CloseTime (with the 20-minute overtime) on a scheduled class\'s pushes', async () => {
    const { sid, receiver } = await school();
    const start = nowS() - 60;
    const put = await request(h.app).put(`/v1/schools/${sid}/classes/777`).set(auth).send({ courseId: 42, startTime: start, closeTime: start + 3600, title: 'Maths' }).expect(200);
    expect(put.body).toMatchObject({ sid, classId: 777, courseId: 42, summary: 'scheduled', closed: false });
    await request(h.app).post('/v1/events').set(auth).send({ type: 'stage', sid, classId: 777, uid: 9, up: true }).expect(202);
    const [push] = await waitFor('push', () => (receiver.events().length ? receiver.events() : undefined));
    expect(push!.body).toMatchObject({ SID: sid, ClassID: 777, CourseID: 42, StartTime: start, CloseTime: start + 3600 + 1200, Cmd: 67371521 });
  });

  it('pushes the lesson summary SUMMARY_DELAY_S after an early close, computed from the class\'s events', async () => {
    const { sid, receiver } = await school();
    const start = nowS() - 100;
    await request(h.app).put(`/v1/schools/${sid}/classes/888`).set(admin).send({ courseId: 7, startTime: start, closeTime: start + 3600 }).expect(200);
    const ev = (type: string, offset: number, extra: Record<string, unknown>) => ({ type, sid, classId: 888, actionTime: start + offset, ...extra });
    await request(h.app).post('/v1/events').set(auth).send({ events: [
      ev('enter', 0, { uid: 11, nickName: 'Ann', identity: 1, device: 3 }),
      ev('hands_up', 10, { uid: 11, up: true }),
      ev('hands_up', 15, { uid: 11, up: false }),
      ev('reward', 20, { uid: 11, times: 1 }),
      ev('exit', 40, { uid: 11, identity: 1, reason: 1 }),
    ] }).expect(202);
    const closed = await request(h.app).post(`/v1/schools/${sid}/classes/888/close`).set(admin).send({ realCloseTime: start + 50 }).expect(200);
    expect(closed.body).toMatchObject({ closed: true, realCloseTime: start + 50, alreadyClosed: false });
    const end = await waitFor('End pushed', () => receiver.events().find((p) => p.body.Cmd === 'End'), 15_000);
    expect(end.body).toMatchObject({ SID: sid, ClassID: 888, CourseID: 7, StartTime: start, CloseTime: start + 3600 + 1200, RealCloseTime: start + 50, _id: `end_${sid}_888` });
    const data = end.body.Data as Record<string, Record<string, unknown>>;
    expect(data.handsupEnd!['11']).toEqual({ CTime: 5, Total: 1 });
    expect(data.awardEnd!['11']).toEqual({ Total: 1 });
    expect((data.inoutEnd!['11'] as { Total: number }).Total).toBe(40);
    // After the summary: the class is settled; closing again is idempotent and schedules nothing.
    await waitFor('settled', async () => (await request(h.app).get(`/v1/schools/${sid}/classes/888`).set(admin)).body.summary === 'pushed');
    const again = await request(h.app).post(`/v1/schools/${sid}/classes/888/close`).set(admin).send({}).expect(200);
    expect(again.body.alreadyClosed).toBe(true);
    // A late event is delivered as usual and the summary is not pushed again.
    await request(h.app).post('/v1/events').set(auth).send(ev('reward', 45, { uid: 11, times: 2 })).expect(202);
    await waitFor('late event', () => receiver.events().some((p) => p.body.Times === 2));
    // Nothing can push it again: a summary job left in the queue is of an older schedule version,
    // which a job checks before it computes anything.
    const { version } = (await request(h.app).get(`/v1/schools/${sid}/classes/888`).set(admin)).body as { version: number };
    expect((await summaryJobsOf(sid, 888)).filter((v) => v >= version)).toEqual([]);
    expect(receiver.events().filter((p) => p.body.Cmd === 'End')).toHaveLength(1);
  });

  it('pushes the summary once the scheduled close (with overtime) has passed, without an explicit close', async () => {
    const { sid, receiver } = await school();
    const closeWithOvertime = nowS() + 1;
    const start = closeWithOvertime - 1200 - 600;
    await request(h.app).put(`/v1/schools/${sid}/classes/3`).set(admin).send({ courseId: 9, startTime: start, closeTime: closeWithOvertime - 1200 }).expect(200);
    await request(h.app).post('/v1/events').set(auth).send({ events: [
      { type: 'enter', sid, classId: 3, uid: 21, nickName: 'Cy', identity: 1, device: 1, actionTime: start },
      { type: 'stage', sid, classId: 3, uid: 21, up: true, actionTime: start + 60 },
    ] }).expect(202);
    const end = await waitFor('End pushed', () => receiver.events().find((p) => p.body.Cmd === 'End'), 15_000);
    expect(end.body).toMatchObject({ StartTime: start, CloseTime: closeWithOvertime });
    expect(end.body.RealCloseTime).toBeUndefined();
    const data = end.body.Data as Record<string, Record<string, Record<string, unknown>>>;
    // On stage from start + 60 until the close; present the whole lesson, counted out at the close.
    expect(data.stageEnd!['21']).toMatchObject({ UpCount: 1, UpTotal: closeWithOvertime - start - 60 });
    expect(data.inoutEnd!['21']).toMatchObject({ Total: closeWithOvertime - start });
  });

  it('pushes no summary when nobody entered; class_extended moves the close', async () => {
    const { sid, receiver } = await school();
    const start = nowS() - 100;
    await request(h.app).put(`/v1/schools/${sid}/classes/1`).set(admin).send({ courseId: 1, startTime: start, closeTime: start + 3600 }).expect(200);
    await request(h.app).post('/v1/events').set(auth).send({ type: 'hands_up', sid, classId: 1, uid: 3, up: true }).expect(202);
    await request(h.app).post(`/v1/schools/${sid}/classes/1/close`).set(admin).send({}).expect(200);
    await waitFor('settled as none', async () => (await request(h.app).get(`/v1/schools/${sid}/classes/1`).set(admin)).body.summary === 'none', 15_000);
    expect(receiver.events().some((p) => p.body.Cmd === 'End')).toBe(false);
    // Scheduled to end (with overtime) a second from now, then extended by an hour: no summary yet.
    const soon = nowS() - 1200 + 1;
    await request(h.app).put(`/v1/schools/${sid}/classes/2`).set(admin).send({ courseId: 1, startTime: soon - 1800, closeTime: soon }).expect(200);
    await request(h.app).post('/v1/events').set(auth).send({ events: [
      { type: 'enter', sid, classId: 2, uid: 3, nickName: 'Bo', identity: 1, device: 0 },
      { type: 'class_extended', sid, classId: 2, startTime: soon - 1800, lengthS: 1800 + 3600, closeDelayS: 600 },
    ] }).expect(202);
    const record = (await request(h.app).get(`/v1/schools/${sid}/classes/2`).set(admin)).body;
    expect(record.closeTime).toBe(soon + 3600);
    // The job of the schedule before the extension (due in a second) runs and finds itself stale;
    // the current version's job waits an hour.
    await waitFor('the old schedule\'s job done', async () => !(await h.deps.scheduler.jobExists(summaryJobId(sid, 2, record.version - 1))), 10_000);
    const current = await h.deps.scheduler.queue.getJob(summaryJobId(sid, 2, record.version));
    expect(current!.timestamp + current!.delay).toBeGreaterThan(Date.now() + 3500_000);
    expect(receiver.events().some((p) => p.body.Cmd === 'End')).toBe(false);
    expect((await request(h.app).get(`/v1/schools/${sid}/classes/2`).set(admin)).body.summary).toBe('scheduled');
  });

  it('aggregates network samples into one Net push per user per window; a posted network event passes through', async () => {
    const { sid, receiver } = await school();
    const windowStart = Math.floor((nowS() - 900) / 300) * 300;
    const sample = (uid: number, offset: number, rttMs: number, quality: string) =>
      ({ type: 'network_sample', sid, classId: 5, uid, actionTime: windowStart + offset, rttMs, lossPct: 1, quality, cpuLevel: 'low', socket: 'udp' });
    await request(h.app).post('/v1/events').set(auth).send({ events: [sample(1, 0, 100, 'good'), sample(1, 60, 200, 'bad'), sample(2, 30, 50, 'good')] }).expect(202);
    const nets = await waitFor('two Net pushes', () => (receiver.events().filter((p) => p.body.Cmd === 'Net').length === 2 ? receiver.events() : undefined), 15_000);
    const byUid = Object.fromEntries(nets.map((p) => [p.body.UID as number, p.body.Data as Record<string, unknown>]));
    expect(byUid[1]).toMatchObject({ good: 1, bad: 1, total: 2, avgDelay: 150, socket: 'udp' });
    expect(byUid[2]).toMatchObject({ good: 1, total: 1, avgDelay: 50 });
    await request(h.app).post('/v1/events').set(auth).send({ type: 'network', sid, classId: 5, uid: 3, data: { avgDelay: 12, custom: 'kept' } }).expect(202);
    const passed = await waitFor('passthrough', () => receiver.events().find((p) => p.body.UID === 3));
    expect(passed.body).toMatchObject({ Cmd: 'Net', Data: { avgDelay: 12, custom: 'kept' } });
  });
});
