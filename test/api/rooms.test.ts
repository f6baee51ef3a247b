import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createHarness, waitFor, type Harness } from '../helpers/harness.js';

/** Room entry, identity, roles, limits and host controls, in-process against the real Redis. */
describe('rooms: entry, identity, limits and controls', () => {
  let h: Harness;
  let appId: string;
  let auth: { Authorization: string };
  let n = 0;
  const base = () => `/conf/v1/apps/${appId}`;
  const room = () => `room-${++n}`;

  async function enter(body: Record<string, unknown>, status = 200) {
    const res = await request(h.app).post(`${base()}/room/entry`).set(auth)
      .send({ roomName: 'Maths', userName: String(body.userUuid), ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body as { code: number; msg: string; data: { roomId: string; userId: number; userToken: string } };
  }
  const get = (roomId: string, token: string) => request(h.app).get(`${base()}/room/${roomId}`).set('token', token);
  const post = (path: string, token: string, body: Record<string, unknown> = {}) => request(h.app).post(`${base()}${path}`).set('token', token).send(body);

  beforeAll(async () => {
    h = await createHarness('rooms', { workers: false, env: { ROOM_SMALL_CAPACITY: '4', ROOM_SMALL_STAGE_SEATS: '3' } });
    ({ appId, auth } = await createApp(h.app));
  });
  afterAll(async () => h.close());

  it('creates the room on first entry; the same userUuid is the same user on a second device', async () => {
    const roomUuid = room();
    const teacher = await enter({ roomUuid, userUuid: 't1', role: 'host' });
    expect(teacher).toMatchObject({ code: 0, msg: 'ok' });
    const student = await enter({ roomUuid, userUuid: 's1' });
    expect(student.data.roomId).toBe(teacher.data.roomId);
    expect(student.data.userId).not.toBe(teacher.data.userId);
    await post(`/room/${student.data.roomId}/user/${student.data.userId}`, student.data.userToken, { handsUp: true }).expect(200);
    const again = await enter({ roomUuid, userUuid: 's1' });
    expect(again.data.userId).toBe(student.data.userId);
    const old = await get(student.data.roomId, student.data.userToken).expect(401);
    expect(old.body).toMatchObject({ code: 10005 });
    const info = await get(again.data.roomId, again.data.userToken).expect(200);
    expect(info.body.data.user).toMatchObject({ userId: student.data.userId, handsUp: true, role: 2, userUuid: 's1', online: true });
    expect(info.body.data.user.rtcToken).toBeUndefined();
    expect(info.body.data.user.zegoToken).toBeUndefined();
    const off = await request(h.app).post('/v1/tokens/rtm').set(auth).send({ userUuid: 's1' }).expect(404);
    expect(off.body.error.code).toBe('not_configured');
    expect(info.body.data.room).toMatchObject({ roomId: teacher.data.roomId, onlineUsers: 2, state: 1 });
    expect(info.body.data.room.hosts[0]).toMatchObject({ userId: teacher.data.userId, role: 1 });
  });

  it('answers validation errors in the envelope with every path, and checks the app in the path', async () => {
    const res = await request(h.app).post(`${base()}/room/entry`).set(auth).send({ roomUuid: 'a b', role: 'boss' }).expect(400);
    expect(res.body.code).toBe(400);
    const paths = (res.body.data.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['role', 'roomName', 'roomUuid', 'userName', 'userUuid']);
    await request(h.app).post(`/conf/v1/apps/${'0'.repeat(32)}/room/entry`).set(auth).send({ roomName: 'x', roomUuid: 'x', userName: 'x', userUuid: 'x' }).expect(403);
    await request(h.app).post(`${base()}/room/entry`).send({ roomName: 'x', roomUuid: 'x', userName: 'x', userUuid: 'x' }).expect(401);
    await request(h.app).post(`${base()}/room/entry`).set({ Authorization: 'Basic eDp5' }).send({}).expect(401);
  });

  it('reads flags as 1/0, "1"/"0" or booleans, as the Agora Meeting clients send them (API.md)', async () => {
    const roomUuid = room();
    const ints = await enter({ roomUuid, userUuid: 'f1', enableVideo: 1, enableAudio: 0 });
    const strs = await enter({ roomUuid, userUuid: 'f2', enableVideo: '0', enableAudio: '1' });
    const absent = await enter({ roomUuid, userUuid: 'f3' });
    const users = (await request(h.app).get(`${base()}/room/${ints.data.roomId}/users`).set('token', ints.data.userToken).expect(200)).body.data.list as { userId: number; enableVideo: boolean; enableAudio: boolean }[];
    const flags = (id: number) => users.find((u) => u.userId === id);
    expect(flags(ints.data.userId)).toMatchObject({ enableVideo: true, enableAudio: false });
    expect(flags(strs.data.userId)).toMatchObject({ enableVideo: false, enableAudio: true });
    expect(flags(absent.data.userId)).toMatchObject({ enableVideo: true, enableAudio: true }); // absent: on
    await post(`/room/${ints.data.roomId}/user/${ints.data.userId}`, ints.data.userToken, { enableAudio: 1 }).expect(200);
    const bad = await post(`/room/${ints.data.roomId}/user/${ints.data.userId}`, ints.data.userToken, { enableAudio: 3 }).expect(400);
    expect(bad.body.data.details).toEqual([{ path: 'enableAudio', message: 'expected 1 or 0 (or true/false)' }]);
  });

  it('checks the password', async () => {
    const roomUuid = room();
    await enter({ roomUuid, userUuid: 'p1', password: 'secret' });
    expect((await enter({ roomUuid, userUuid: 'p2', password: 'wrong' }, 403)).code).toBe(10003);
    expect((await enter({ roomUuid, userUuid: 'p3' }, 403)).code).toBe(10003);
    expect((await enter({ roomUuid, userUuid: 'p4', password: 'secret' })).code).toBe(0);
  });

  it('keeps one host; a second host is refused (10001); the role can be passed', async () => {
    const roomUuid = room();
    const t1 = await enter({ roomUuid, userUuid: 'h1', role: 'host' });
    expect((await enter({ roomUuid, userUuid: 'h2', role: 'host' }, 409)).code).toBe(10001);
    const s = await enter({ roomUuid, userUuid: 'h3' });
    const denied = await post(`/room/${s.data.roomId}/host`, s.data.userToken, { userId: t1.data.userId }).expect(403);
    expect(denied.body.code).toBe(10010);
    await post(`/room/${t1.data.roomId}/host`, t1.data.userToken, { userId: s.data.userId }).expect(200);
    const info = await get(s.data.roomId, s.data.userToken).expect(200);
    expect(info.body.data.user).toMatchObject({ role: 1, stage: true });
    expect(info.body.data.room.hosts[0].userId).toBe(s.data.userId);
  });

  it('reserves a seat for an absent host and never admits more than the capacity under 50 concurrent entries', async () => {
    const roomUuid = room();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      request(h.app).post(`${base()}/room/entry`).set(auth).send({ roomName: 'x', roomUuid, userName: `u${i}`, userUuid: `u${i}` })));
    const admitted = results.filter((r) => r.status === 200);
    const full = results.filter((r) => r.status === 409);
    expect(admitted).toHaveLength(3); // capacity 4, one seat kept for the host
    expect(full).toHaveLength(47);
    expect(full.every((r) => r.body.code === 10002)).toBe(true);
    const host = await enter({ roomUuid, userUuid: 'teacher', role: 'host' });
    expect((await enter({ roomUuid, userUuid: 'late' }, 409)).code).toBe(10002);
    const info = await get(host.data.roomId, host.data.userToken).expect(200);
    expect(info.body.data.room.onlineUsers).toBe(4);
  });

  it('limits stage seats (10007) with the host\'s seat kept; only the host puts users on stage (10003)', async () => {
    const roomUuid = room();
    const users = [];
    for (let i = 0; i < 3; i++) users.push((await enter({ roomUuid, userUuid: `st${i}` })).data);
    const [a, b, c] = users as [typeof users[0], typeof users[0], typeof users[0]];
    const self = await post(`/room/${a.roomId}/user/${a.userId}`, a.userToken, { stage: true }).expect(403);
    expect(self.body.code).toBe(10003);
    const other = await post(`/room/${a.roomId}/user/${b.userId}`, a.userToken, { enableAudio: true }).expect(403);
    expect(other.body.code).toBe(10003);
    const host = (await enter({ roomUuid, userUuid: 'st-host', role: 'host' })).data;
    await post(`/room/${a.roomId}/user/${a.userId}`, host.userToken, { stage: true }).expect(200);
    await post(`/room/${a.roomId}/user/${b.userId}`, host.userToken, { stage: true }).expect(200);
    const full = await post(`/room/${a.roomId}/user/${c.userId}`, host.userToken, { stage: true }).expect(409);
    expect(full.body.code).toBe(10007);
    await post(`/room/${a.roomId}/user/${a.userId}`, a.userToken, { stage: false }).expect(200);
    await post(`/room/${a.roomId}/user/${c.userId}`, host.userToken, { stage: true }).expect(200);
    const roomWide = await post(`/room/${a.roomId}`, a.userToken, { muteAllAudio: true }).expect(403);
    expect(roomWide.body.code).toBe(10010);
  });

  it('small class: users change their own audio/video; large class: only the host', async () => {
    const small = await enter({ roomUuid: room(), userUuid: 'av1' });
    await post(`/room/${small.data.roomId}/user/${small.data.userId}`, small.data.userToken, { enableAudio: true, enableVideo: true }).expect(200);
    const large = await enter({ roomUuid: room(), userUuid: 'av2', classType: 'large' });
    // Video is on by default (API.md); turning it off is a change a large-class participant may not make.
    const res = await post(`/room/${large.data.roomId}/user/${large.data.userId}`, large.data.userToken, { enableVideo: false }).expect(403);
    expect(res.body.code).toBe(10003);
    await post(`/room/${large.data.roomId}/user/${large.data.userId}`, large.data.userToken, { handsUp: true }).expect(200);
  });

  it('kicks out with a re-entry ban; the kicked user\'s token stops working', async () => {
    const roomUuid = room();
    const host = (await enter({ roomUuid, userUuid: 'k-host', role: 'host' })).data;
    const s = (await enter({ roomUuid, userUuid: 'k-s' })).data;
    const notHost = await post(`/room/${s.roomId}/user/${host.userId}/kick`, s.userToken, { durationS: 60 }).expect(403);
    expect(notHost.body.code).toBe(10010);
    await post(`/room/${s.roomId}/user/${s.userId}/kick`, host.userToken, { durationS: 1 }).expect(200);
    expect((await get(s.roomId, s.userToken).expect(401)).body.code).toBe(10005);
    const again = await post(`/room/${s.roomId}/user/${s.userId}/reward`, host.userToken).expect(404);
    expect(again.body.code).toBe(10004);
    expect((await enter({ roomUuid, userUuid: 'k-s' }, 403)).code).toBe(10003);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await enter({ roomUuid, userUuid: 'k-s' })).data.userId).toBe(s.userId);
  });

  it('rewards keep a running total; chat follows mute-all-chat', async () => {
    const roomUuid = room();
    const host = (await enter({ roomUuid, userUuid: 'r-host', role: 'host' })).data;
    const s = (await enter({ roomUuid, userUuid: 'r-s' })).data;
    await post(`/room/${s.roomId}/user/${s.userId}/reward`, host.userToken).expect(200);
    const second = await post(`/room/${s.roomId}/user/${s.userId}/reward`, host.userToken).expect(200);
    expect(second.body.data.rewards).toBe(2);
    await post(`/room/${s.roomId}/chat`, s.userToken, { message: 'hi' }).expect(200);
    await post(`/room/${s.roomId}`, host.userToken, { muteAllChat: true }).expect(200);
    expect((await post(`/room/${s.roomId}/chat`, s.userToken, { message: 'hi' }).expect(403)).body.code).toBe(10003);
    await post(`/room/${s.roomId}/chat`, host.userToken, { message: 'quiet please' }).expect(200);
    const users = await request(h.app).get(`${base()}/room/${s.roomId}/users?role=2`).set('token', host.userToken).expect(200);
    expect(users.body.data).toMatchObject({ total: 1, nextId: null });
    expect(users.body.data.list[0]).toMatchObject({ userId: s.userId, rewards: 2 });
  });

  it('the host ending the room clears it at once: the same roomUuid then gives a new room', async () => {
    const roomUuid = room();
    const host = (await enter({ roomUuid, userUuid: 'e-host', role: 'host' })).data;
    const s = (await enter({ roomUuid, userUuid: 'e-s' })).data;
    expect((await post(`/room/${s.roomId}/end`, s.userToken).expect(403)).body.code).toBe(10010);
    await post(`/room/${s.roomId}/end`, host.userToken).expect(200);
    // The old token now answers like any token for an unknown room: 10005, not 10006, so a
    // probe cannot tell which room ids exist (API.md).
    expect((await get(s.roomId, s.userToken).expect(401)).body.code).toBe(10005);
    const next = (await enter({ roomUuid, userUuid: 'e-s' })).data;
    expect(next.roomId).not.toBe(s.roomId);
    await waitFor('nothing left of the old room', async () => (await h.deps.redis.keys(`${h.prefix}:{r${s.roomId}}*`)).length === 0);
  });
});
