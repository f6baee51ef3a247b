import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayPendingRooms } from '../../src/services/rooms-relay.js';
import { sweepSilentUsers } from '../../src/services/rooms.js';
import { reconcileEmptyRooms } from '../../workers/room-maintenance.js';
import { createApp, createHarness, type Harness } from '../helpers/harness.js';

/**
 * Room scripts touch one room's keys only; the global keys (heartbeats, roomUuid index, rooms to
 * relay) are updated around them. These are the states a crash between two of those steps leaves,
 * and the sweeps and entry paths that repair them. No workers: each repair is called directly.
 */
describe('rooms: repairs of what a crash between a room commit and its global keys leaves', () => {
  let h: Harness;
  let appId: string;
  let auth: { Authorization: string };
  const base = () => `/conf/v1/apps/${appId}`;
  async function enter(body: Record<string, unknown>) {
    const res = await request(h.app).post(`${base()}/room/entry`).set(auth).send({ roomName: 'Maths', userName: String(body.userUuid), ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as { roomId: string; userId: number; userToken: string };
  }
  const info = (roomId: string, token: string) => request(h.app).get(`${base()}/room/${roomId}`).set('token', token);

  beforeAll(async () => {
    h = await createHarness('roomsafe', { workers: false, env: { HEARTBEAT_INTERVAL_S: '1' } });
    ({ appId, auth } = await createApp(h.app));
  });
  afterAll(async () => h.close());

  it('the heartbeat sweep drops heartbeats of users not in the room and of rooms that do not exist; online users stay', async () => {
    const host = await enter({ roomUuid: 'hb-stale', userUuid: 'host', role: 'host' });
    const hb = h.deps.keys.roomHeartbeats;
    // Left by a crash before an exit's heartbeat removal, a failed commit's early heartbeat, a crash
    // after a destruction: all silent for long.
    await h.deps.redis.zadd(hb, 1, `${host.roomId}/999`, 1, 'no-such-room/1');
    expect(await sweepSilentUsers(h.deps)).toBe(0);
    expect(await h.deps.redis.zscore(hb, `${host.roomId}/999`)).toBeNull();
    expect(await h.deps.redis.zscore(hb, 'no-such-room/1')).toBeNull();
    expect(await h.deps.rooms.lastSeen(host.roomId, host.userId)).toBeDefined();
    const res = await info(host.roomId, host.userToken).expect(200);
    expect(res.body.data.room.onlineUsers).toBe(1);
  });

  it('an exit removes the heartbeat; an online user whose heartbeat was removed by a racing exit gets it back', async () => {
    const a = await enter({ roomUuid: 'hb-race', userUuid: 'a' });
    expect(await h.deps.rooms.lastSeen(a.roomId, a.userId)).toBeDefined();
    await request(h.app).post(`${base()}/room/${a.roomId}/user/${a.userId}/exit`).set('token', a.userToken).expect(200);
    expect(await h.deps.rooms.lastSeen(a.roomId, a.userId)).toBeUndefined();
    const back = await enter({ roomUuid: 'hb-race', userUuid: 'a' });
    expect(back.userId).toBe(a.userId);
    // A stale removal (an exit's, or the sweep's) runs after the user came back: it puts the entry back.
    await h.deps.rooms.forgetHeartbeat(back.roomId, back.userId, Date.now() + 1000);
    expect(await h.deps.rooms.lastSeen(back.roomId, back.userId)).toBeDefined();
  });

  it('the room reconciler gives an online user without a heartbeat entry one, so a silent user is still taken out', async () => {
    const user = await enter({ roomUuid: 'hb-lost', userUuid: 'lost-user' });
    const isOnline = async () => (await h.deps.rooms.load(user.roomId, { userIds: [user.userId] })).members.get(user.userId)?.online === true;
    // The double fault: an exit's removal raced a re-entry, and the re-entry's second write was lost.
    await h.deps.redis.zrem(h.deps.keys.roomHeartbeats, `${user.roomId}/${user.userId}`);
    await sweepSilentUsers(h.deps, Date.now() + 60_000);
    expect(await isOnline()).toBe(true); // silent for a minute, yet invisible to the sweep
    await reconcileEmptyRooms(h.deps);
    expect(await h.deps.rooms.lastSeen(user.roomId, user.userId)).toBeDefined();
    // Silent from now on: the sweep takes the user out (reason 6), which it could not before.
    await sweepSilentUsers(h.deps, Date.now() + 60_000);
    expect(await isOnline()).toBe(false);
    expect(await h.deps.rooms.lastSeen(user.roomId, user.userId)).toBeUndefined();
  });

  it('an index entry naming a room that does not exist is replaced on entry (compare-and-set), then used by everyone', async () => {
    const index = h.deps.keys.roomIndexField(appId, 'dangling');
    await h.deps.redis.hset(h.deps.keys.roomIndex, index, 'deadroom0000'); // a crash between a destruction and its index update
    const first = await enter({ roomUuid: 'dangling', userUuid: 'd1', role: 'host' });
    expect(first.roomId).not.toBe('deadroom0000');
    expect(await h.deps.redis.hget(h.deps.keys.roomIndex, index)).toBe(first.roomId);
    const second = await enter({ roomUuid: 'dangling', userUuid: 'd2' });
    expect(second.roomId).toBe(first.roomId);
    const res = await info(first.roomId, first.userToken).expect(200);
    expect(res.body.data.room.onlineUsers).toBe(2);
  });

  it('an index entry whose room is still being created (claim held) is waited for, and taken over once the claim lapses', async () => {
    const index = h.deps.keys.roomIndexField(appId, 'claimed');
    await h.deps.redis.set(h.deps.keys.roomClaim('slowroom0000'), '1', 'PX', 300); // a creator that died after claiming
    await h.deps.redis.hset(h.deps.keys.roomIndex, index, 'slowroom0000');
    const started = Date.now();
    const entered = await enter({ roomUuid: 'claimed', userUuid: 'c1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(entered.roomId).not.toBe('slowroom0000');
    expect(await h.deps.redis.hget(h.deps.keys.roomIndex, index)).toBe(entered.roomId);
    // The late creator can no longer create the room the index once named.
    expect(await h.deps.rooms.creating('slowroom0000')).toBe(false);
  });

  it('the room reconciler deletes an index entry naming a room that does not exist, and keeps live ones', async () => {
    const live = await enter({ roomUuid: 'kept', userUuid: 'k1' });
    const dangling = h.deps.keys.roomIndexField(appId, 'gone');
    await h.deps.redis.hset(h.deps.keys.roomIndex, dangling, 'goneroom0000');
    await reconcileEmptyRooms(h.deps);
    expect(await h.deps.redis.hexists(h.deps.keys.roomIndex, dangling)).toBe(0);
    expect(await h.deps.redis.hget(h.deps.keys.roomIndex, h.deps.keys.roomIndexField(appId, 'kept'))).toBe(live.roomId);
  });

  it('the relay sweep drops a room to relay that has nothing to relay (a crash after a destruction)', async () => {
    await h.deps.redis.sadd(h.deps.keys.roomRelayPending, 'goneroom0001');
    await relayPendingRooms(h.deps);
    expect(await h.deps.redis.sismember(h.deps.keys.roomRelayPending, 'goneroom0001')).toBe(0);
  });

  it('releasing the relay lock looks at the queue again after leaving the set: queued work keeps the room in it', async () => {
    const roomId = 'relayroom000';
    const queue = h.deps.rooms.relayQueue(roomId);
    expect(await queue.lock('token', 10_000)).toBe(true);
    expect(await queue.release('token')).toBe(0);
    expect(await h.deps.redis.sismember(h.deps.keys.roomRelayPending, roomId)).toBe(0);
    // Work queued by a commit whose own "add to the set" was lost (crash): the release keeps the room in.
    expect(await queue.lock('token2', 10_000)).toBe(true);
    await h.deps.redis.rpush(h.deps.keys.roomRelay(roomId), JSON.stringify({ cmd: 1, seq: 1, data: {} }));
    expect(await queue.release('token2')).toBe(1);
    expect(await h.deps.redis.sismember(h.deps.keys.roomRelayPending, roomId)).toBe(1);
  });
});
