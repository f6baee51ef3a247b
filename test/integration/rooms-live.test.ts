import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/lib/logger.js';
import { waitReady } from '../../src/lib/redis.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { openSse, type Sse } from '../helpers/sse.js';
import { admin, createApp, createHarness, createSchool, testConfig, waitFor, type Harness } from '../helpers/harness.js';

const listen = (app: ReturnType<typeof buildApp>) => new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
const portOf = (s: Server) => (s.address() as AddressInfo).port;

/** Two API instances on one Redis: SSE fan-out, replay, device switch, and the school receiving the room's events. */
describe('rooms: live notifications and classroom events', () => {
  let h: Harness;
  let depsB: Deps;
  let serverA: Server;
  let serverB: Server;
  let appId: string;
  let auth: { Authorization: string };
  const receiver = new Receiver();
  const sid = 4242;
  const streams: Sse[] = [];

  const base = () => `/conf/v1/apps/${appId}`;
  async function enter(app: Parameters<typeof request>[0], body: Record<string, unknown>) {
    const res = await request(app).post(`${base()}/room/entry`).set(auth).send({ roomName: 'Physics', userName: `name ${String(body.userUuid)}`, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as { roomId: string; userId: number; userToken: string };
  }
  async function sse(port: number, roomId: string, token: string, lastEventId?: number) {
    const stream = await openSse(port, `${base()}/room/${roomId}/events?token=${encodeURIComponent(token)}`, lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {});
    streams.push(stream);
    return stream;
  }

  beforeAll(async () => {
    h = await createHarness('roomslive', { env: { SUMMARY_DELAY_S: '1' } });
    depsB = createDeps(testConfig(h.prefix, { SUMMARY_DELAY_S: '1' }), createLogger('error', { silent: true }));
    await waitReady(depsB.redis);
    serverA = await listen(h.app);
    serverB = await listen(buildApp(depsB));
    await receiver.start();
    receiver.reply = () => ({ body: ACK });
    ({ appId, auth } = await createApp(h.app, [sid]));
    await createSchool(h.app, sid, receiver.url);
    await waitFor('school active', async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await new Promise((r) => serverA.close(r));
    await new Promise((r) => serverB.close(r));
    await depsB.close();
    await h.close();
    await receiver.stop();
  });

  it('fans out through Redis: SSE on one instance sees actions on the other, in seq order, and replays after Last-Event-ID', async () => {
    const host = await enter(h.app, { roomUuid: 'live-1', userUuid: 'teacher', role: 'host' });
    const onB = await sse(portOf(serverB), host.roomId, host.userToken);
    const student = await enter(h.app, { roomUuid: 'live-1', userUuid: 'student' });
    await request(h.app).post(`${base()}/room/${host.roomId}/user/${student.userId}`).set('token', student.userToken).send({ handsUp: true }).expect(200);
    await request(serverB).post(`${base()}/room/${host.roomId}/chat`).set('token', host.userToken).send({ message: 'hello' }).expect(200);
    await waitFor('3 messages on B', () => onB.messages.length >= 3);
    expect(onB.messages.map((m) => m.data.cmd)).toEqual([2, 4, 1]);
    const seqs = onB.messages.map((m) => m.data.seq);
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
    expect(onB.messages.map((m) => Number(m.id))).toEqual(seqs);
    expect(onB.messages[0]!.data).toMatchObject({ version: 1, data: { action: 'enter', userId: student.userId, total: 2 } });
    expect(typeof (onB.messages[0]!.data as unknown as { timestamp: number }).timestamp).toBe('number');

    // Disconnect, miss two changes, reconnect on the other instance with Last-Event-ID.
    onB.close();
    const lastSeen = seqs[2]!;
    await request(serverB).post(`${base()}/room/${host.roomId}/user/${student.userId}/reward`).set('token', host.userToken).expect(200);
    await request(h.app).post(`${base()}/room/${host.roomId}`).set('token', host.userToken).send({ muteAllChat: true }).expect(200);
    const onA = await sse(portOf(serverA), host.roomId, host.userToken, lastSeen);
    await waitFor('replayed 2', () => onA.messages.length >= 2);
    expect(onA.messages.map((m) => m.data.seq)).toEqual([lastSeen + 1, lastSeen + 2]);
    expect(onA.messages.map((m) => m.data.cmd)).toEqual([4, 3]);
    await request(serverB).post(`${base()}/room/${host.roomId}/chat`).set('token', host.userToken).send({ message: 'live again' }).expect(200);
    await waitFor('live after replay', () => onA.messages.length >= 3);
    expect(onA.messages[2]!.data).toMatchObject({ cmd: 1, seq: lastSeen + 3 });
  });

  it('a second device takes over: the old stream gets the kick and closes, the old token is refused', async () => {
    const first = await enter(h.app, { roomUuid: 'live-2', userUuid: 'pupil' });
    const oldStream = await sse(portOf(serverB), first.roomId, first.userToken);
    await waitFor('subscribed', () => depsB.roomHub.listenerCount(first.roomId) === 1);
    const second = await enter(serverA, { roomUuid: 'live-2', userUuid: 'pupil' });
    expect(second.userId).toBe(first.userId);
    await waitFor('old stream closed', () => oldStream.ended);
    // The stream may first get an access notice (cmd 2: its own entry, relayed after it subscribed,
    // seen once on a Redis Cluster in CI); it ends with the kick and gets nothing else.
    const cmds = oldStream.messages.map((m) => m.data.cmd);
    expect(cmds.at(-1)).toBe(8);
    expect(cmds.slice(0, -1).filter((cmd) => cmd !== 2)).toEqual([]);
    expect(oldStream.messages.at(-1)!.data.data).toMatchObject({ userId: first.userId, reason: 60 });
    const refused = await request(h.app).post(`${base()}/room/${first.roomId}/heartbeat`).set('token', first.userToken).expect(401);
    expect(refused.body.code).toBe(10005);
    await request(h.app).post(`${base()}/room/${first.roomId}/heartbeat`).set('token', second.userToken).expect(200);
  });

  it('reports the room\'s actions to the school as catalogue events, in order, and ending the room closes the class', async () => {
    const classId = 777;
    const startS = Math.floor(Date.now() / 1000) - 60;
    await request(h.app).put(`/v1/schools/${sid}/classes/${classId}`).set(auth).send({ courseId: 99, startTime: startS, closeTime: startS + 3600 }).expect(200);
    const before = receiver.events().length;
    const host = await enter(h.app, { roomUuid: 'live-3', userUuid: 'teach', role: 'host', uid: 5001, classId });
    const s = await enter(serverB, { roomUuid: 'live-3', userUuid: 'kid', uid: 5002, classId, enableAudio: 0, enableVideo: 0 });
    const other = await enter(h.app, { roomUuid: 'live-3', userUuid: 'kid2', uid: 5003 });
    const as = (token: string) => ({ token });
    const user = (id: number) => `${base()}/room/${host.roomId}/user/${id}`;
    await request(h.app).post(user(s.userId)).set(as(s.userToken)).send({ handsUp: true }).expect(200);
    await request(serverB).post(user(s.userId)).set(as(host.userToken)).send({ stage: true }).expect(200); // hand lowered too
    await request(h.app).post(user(s.userId)).set(as(host.userToken)).send({ enableAudio: true }).expect(200);
    await request(h.app).post(user(s.userId)).set(as(host.userToken)).send({ enableAudio: false }).expect(200);
    await request(h.app).post(`${base()}/room/${host.roomId}`).set(as(host.userToken)).send({ muteAllAudio: true }).expect(200);
    await request(h.app).post(user(s.userId)).set(as(host.userToken)).send({ grantBoard: true }).expect(200);
    await request(serverB).post(`${user(s.userId)}/reward`).set(as(host.userToken)).expect(200);
    await request(h.app).post(`${user(s.userId)}/reward`).set(as(host.userToken)).expect(200);
    await request(h.app).post(`${user(other.userId)}/kick`).set(as(host.userToken)).send({ durationS: 30 }).expect(200);
    const s2 = await enter(h.app, { roomUuid: 'live-3', userUuid: 'kid', uid: 5002 });
    await request(h.app).post(`${user(s2.userId)}/exit`).set(as(s2.userToken)).expect(200);
    await request(serverB).post(`${base()}/room/${host.roomId}/end`).set(as(host.userToken)).expect(200);

    const expected: [number, Record<string, unknown>][] = [
      [67371107, { UID: 5001, Identity: 3, Device: 3 }],
      [67371107, { UID: 5002, Identity: 1 }],
      [67371107, { UID: 5003, Identity: 1 }],
      [67375105, { UID: 5002, Handsup: true }],
      [67375105, { UID: 5002, Handsup: false }],
      [67371521, { UID: 5002 }],
      [67371522, { TargetUID: 5002 }],
      [67371522, { TargetUID: 5002 }],
      [67371586, {}],
      [67371520, { TargetUID: 5002 }],
      [67375105, { UID: 5002, Times: 1 }],
      [67375105, { UID: 5002, Times: 2 }],
      [67371523, { TargetUID: 5003, Duration: 30 }],
      [67371111, { UID: 5003, Reason: 4 }],
      [67371111, { UID: 5002, Reason: 60 }],
      [67371107, { UID: 5002 }],
      [67371111, { UID: 5002, Reason: 1 }],
      [67371111, { UID: 5001, Reason: 2, Identity: 3 }],
    ];
    const pushes = await waitFor('all room events pushed', () => {
      const got = receiver.events().slice(before).filter((p) => p.body.Cmd !== 'End');
      return got.length >= expected.length ? got : undefined;
    }, 20_000);
    expect(pushes.map((p) => p.body.Cmd)).toEqual(expected.map(([cmd]) => cmd));
    pushes.forEach((p, i) => {
      expect(p.body).toMatchObject({ SID: sid, ClassID: classId, CourseID: 99, ...expected[i]![1] });
    });
    expect(pushes[3]!.body.SourceUID).toBe(5002); // the student raised their own hand
    expect(pushes[5]!.body.SourceUID).toBe(5001);
    const end = await waitFor('lesson summary', () => receiver.events().find((p) => p.body.Cmd === 'End' && p.body.ClassID === classId), 20_000);
    expect(end.body).toMatchObject({ SID: sid, ClassID: classId });
  });
});
