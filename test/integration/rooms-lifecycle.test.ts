import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomDestroyJobId } from '../../src/queue/jobs.js';
import { reconcileEmptyRooms } from '../../workers/room-maintenance.js';
import { createApp, createHarness, waitFor, type Harness } from '../helpers/harness.js';

/** Heartbeat timeouts and empty-room destruction, with short intervals and real workers. */
describe('rooms: heartbeats and lifecycle', () => {
  let h: Harness;
  let appId: string;
  let auth: { Authorization: string };
  const base = () => `/conf/v1/apps/${appId}`;
  async function enter(body: Record<string, unknown>) {
    const res = await request(h.app).post(`${base()}/room/entry`).set(auth).send({ roomName: 'Art', userName: String(body.userUuid), ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as { roomId: string; userId: number; userToken: string };
  }
  const info = (roomId: string, token: string) => request(h.app).get(`${base()}/room/${roomId}`).set('token', token);
  const heartbeat = (roomId: string, token: string) => request(h.app).post(`${base()}/room/${roomId}/heartbeat`).set('token', token);

  beforeAll(async () => {
    // Silent for 2 × 1 + 2 = 4 s means disconnected; an empty room lives 1 s.
    h = await createHarness('roomslife', { env: { HEARTBEAT_INTERVAL_S: '1', ROOM_EMPTY_TTL_S: '1' } });
    ({ appId, auth } = await createApp(h.app));
  });
  afterAll(async () => h.close());

  it('takes out a user silent for 2 × interval + 2 s (exit reason 6); one who heartbeats stays', async () => {
    const alive = await enter({ roomUuid: 'hb', userUuid: 'alive', role: 'host' });
    const silent = await enter({ roomUuid: 'hb', userUuid: 'silent' });
    // An Agora Meeting client (entered on its own path) sends no heartbeats: the sweep leaves it alone.
    const client = await request(h.app).post(`/scenario/meeting/apps/${appId}/v1/room/entry`).set(auth)
      .send({ roomName: 'Art', roomUuid: 'hb', userName: 'client', userUuid: 'client', password: '', enableVideo: 1, enableAudio: 1 }).expect(200);
    const clientToken = client.body.data.userToken as string;
    const started = Date.now();
    const timer = setInterval(() => void heartbeat(alive.roomId, alive.userToken).catch(() => undefined), 500);
    try {
      await waitFor('silent user out', async () => (await info(silent.roomId, silent.userToken)).status === 401, 10_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
      const res = await info(alive.roomId, alive.userToken).expect(200);
      expect(res.body.data.room.onlineUsers).toBe(2);
      expect((await info(alive.roomId, clientToken).expect(200)).body.data.user.userUuid).toBe('client');
      await reconcileEmptyRooms(h.deps); // nor does the reconciler give it a heartbeat entry
      expect(await h.deps.rooms.lastSeen(alive.roomId, Number(client.body.data.userId))).toBeUndefined();
      const buffered = await h.deps.rooms.messagesAfter(alive.roomId, 0);
      const exit = buffered.map((j) => JSON.parse(j) as { cmd: number; data: Record<string, unknown> }).find((m) => m.cmd === 2 && m.data.action === 'exit');
      expect(exit?.data).toMatchObject({ userId: silent.userId, reason: 6 });
    } finally {
      clearInterval(timer);
    }
  });

  it('destroys a room ROOM_EMPTY_TTL_S after its last user left; the same roomUuid then gives a new room with nothing of the old', async () => {
    const first = await enter({ roomUuid: 'ttl', userUuid: 'u1', role: 'host' });
    await request(h.app).post(`${base()}/room/${first.roomId}`).set('token', first.userToken).send({ muteAllChat: true }).expect(200);
    await request(h.app).post(`${base()}/room/${first.roomId}/user/${first.userId}/exit`).set('token', first.userToken).expect(200);
    await waitFor('room destroyed', async () => (await h.deps.rooms.doc(first.roomId)) === undefined, 10_000);
    const again = await enter({ roomUuid: 'ttl', userUuid: 'u1' });
    expect(again.roomId).not.toBe(first.roomId);
    const res = await info(again.roomId, again.userToken).expect(200);
    expect(res.body.data.room).toMatchObject({ muteAllChat: false, onlineUsers: 1 });
    expect(res.body.data.user).toMatchObject({ role: 2 });
  });

  it('an empty room whose destruction job was lost gets it again from the reconciler', async () => {
    const first = await enter({ roomUuid: 'lost-job', userUuid: 'w1' });
    await request(h.app).post(`${base()}/room/${first.roomId}/user/${first.userId}/exit`).set('token', first.userToken).expect(200);
    const doc = (await h.deps.rooms.doc(first.roomId))!;
    await h.deps.scheduler.queue.remove(roomDestroyJobId(first.roomId, doc.life)); // lost (a crash, Redis away)
    await new Promise((r) => setTimeout(r, 1500));
    expect(await h.deps.rooms.doc(first.roomId)).toBeDefined(); // nothing destroyed it
    expect(await reconcileEmptyRooms(h.deps)).toBeGreaterThanOrEqual(1);
    await waitFor('room destroyed', async () => (await h.deps.rooms.doc(first.roomId)) === undefined, 10_000);
    expect(await reconcileEmptyRooms(h.deps)).toBe(0);
  });

  it('an entry before the TTL cancels the destruction', async () => {
    const first = await enter({ roomUuid: 'ttl2', userUuid: 'v1' });
    await request(h.app).post(`${base()}/room/${first.roomId}/user/${first.userId}/exit`).set('token', first.userToken).expect(200);
    const back = await enter({ roomUuid: 'ttl2', userUuid: 'v1' });
    expect(back.roomId).toBe(first.roomId);
    const keepAlive = setInterval(() => void heartbeat(back.roomId, back.userToken).catch(() => undefined), 500);
    try {
      await new Promise((r) => setTimeout(r, 2500));
      expect(await h.deps.rooms.doc(first.roomId)).toBeDefined();
      await info(back.roomId, back.userToken).expect(200);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
