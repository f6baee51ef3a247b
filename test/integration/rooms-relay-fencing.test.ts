import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomEventId } from '../../src/domain/room-events.js';
import { ROOM_CMD } from '../../src/domain/room-rules.js';
import { drainFenced } from '../../src/services/fenced-drain.js';
import { relayRoom } from '../../src/services/rooms-relay.js';
import { FencedQueue } from '../../src/store/fenced-queue.js';
import { gate } from '../helpers/gate.js';
import { createApp, createHarness, createSchool, type Harness } from '../helpers/harness.js';

/**
 * The room relay's lock is fenced (issue 13 point 3): a relayer that stalls past its lock can
 * neither renew it nor trim the queue, so the next relayer's notifications are never dropped, and
 * the school gets every notification once, in seq order. Default settings; the stall is injected
 * through the relay's hooks, and the lock running out is the lock key vanishing (as its TTL does).
 */
describe('room relay: fenced lock', () => {
  let h: Harness;
  const sid = 4301;
  const classId = 88;
  let roomId: string;

  beforeAll(async () => {
    h = await createHarness('relayfence', { workers: false });
    const { appId, auth } = await createApp(h.app);
    await createSchool(h.app, sid, 'http://127.0.0.1:9/never-pushed'); // no workers: nothing is pushed
    const entry = await request(h.app).post(`/conf/v1/apps/${appId}/room/entry`).set(auth)
      .send({ roomName: 'Fenced', roomUuid: 'fenced', userName: 'T', userUuid: 'teacher', role: 'host', uid: 7001, sid, classId }).expect(200);
    roomId = entry.body.data.roomId as string;
  });
  afterAll(async () => h.close());

  /** Queues notifications 1000+from … as a commit would (hands up / down of uid 7001). */
  async function queue(from: number, count: number): Promise<void> {
    const rows = Array.from({ length: count }, (_, i) => JSON.stringify({
      cmd: ROOM_CMD.user, version: 1, timestamp: 1_700_000_000_000, seq: 1000 + from + i, data: { uid: 7001, changes: { handsUp: (from + i) % 2 === 0 } },
    }));
    await h.deps.redis.rpush(h.deps.keys.roomRelay(roomId), ...rows);
  }
  /** The school's queued events that came from the queued notifications, in the school's order. */
  async function relayedSeqs(): Promise<number[]> {
    const ids = await h.deps.redis.lrange(h.deps.keys.outbox(sid), 0, -1);
    const bySeq = new Map(Array.from({ length: 100 }, (_, i) => [roomEventId({ roomId, sid, classId }, 1000 + i, 0), 1000 + i]));
    return ids.map((id) => bySeq.get(id)).filter((seq): seq is number => seq !== undefined);
  }

  it('a relayer stalled past its lock cannot trim the next relayer\'s batch: nothing lost, nothing twice, in order', async () => {
    await queue(0, 5);
    const stalled = gate();
    const resume = gate();
    let stalledBatch: string[] = [];
    // A: stores its batch (seq 1000-1004), then stalls before trimming it.
    const a = relayRoom(h.deps, roomId, { beforeTrim: async (batch) => { stalledBatch = batch; stalled.open(); await resume.wait; } });
    await stalled.wait;
    expect(stalledBatch).toHaveLength(5);
    // A's lock runs out while it stalls; commits queue more meanwhile.
    await h.deps.redis.del(h.deps.keys.roomRelayLock(roomId));
    await queue(5, 3);
    // B takes over: it relays from the untrimmed head (1000-1007; A's five are stored once) and trims.
    await relayRoom(h.deps, roomId);
    expect(await h.deps.redis.llen(h.deps.keys.roomRelay(roomId))).toBe(0);
    // Notifications queued after B: a trim without the token check would drop two of them.
    await queue(8, 2);
    resume.open();
    await a; // A's trim is refused; it then relays what is left as a new holder
    expect(await h.deps.redis.llen(h.deps.keys.roomRelay(roomId))).toBe(0);
    expect(await relayedSeqs()).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + i));
    expect(await h.deps.redis.sismember(h.deps.keys.roomRelayPending, roomId)).toBe(0);
  });

  it('a relayer whose lock was taken over stores nothing more once it notices (its renewal fails)', async () => {
    const before = await relayedSeqs();
    await queue(20, 2);
    const stalled = gate();
    const resume = gate();
    const a = relayRoom(h.deps, roomId, { afterRead: async () => { stalled.open(); await resume.wait; } });
    await stalled.wait;
    // The lock ran out and another process holds it now (mid-round, say).
    await h.deps.redis.set(h.deps.keys.roomRelayLock(roomId), 'someone-else', 'PX', 30_000);
    resume.open();
    await a;
    expect(await relayedSeqs()).toEqual(before); // A stored nothing
    expect(await h.deps.redis.get(h.deps.keys.roomRelayLock(roomId))).toBe('someone-else');
    expect(await h.deps.redis.llen(h.deps.keys.roomRelay(roomId))).toBe(2); // left to the holder
    await h.deps.redis.del(h.deps.keys.roomRelayLock(roomId));
    await relayRoom(h.deps, roomId);
    expect((await relayedSeqs()).slice(-2)).toEqual([1020, 1021]);
  });

  it('a round that outlasts its lock keeps it: the lock is renewed while the round runs', async () => {
    const lockMs = 300; // a short lock, so renewals are seen within the test; the mechanism is the default one
    const keys = { lock: `${h.prefix}:{fq}:lock`, queue: `${h.prefix}:{fq}:q`, pending: `${h.prefix}:fq-pending`, member: 'fq' };
    let renewals = 0;
    const renewed = gate();
    class CountingQueue extends FencedQueue {
      override async renew(token: string, ttlMs: number): Promise<boolean> {
        const held = await super.renew(token, ttlMs);
        if (held && ++renewals === 6) renewed.open();
        return held;
      }
    }
    const fq = new CountingQueue(h.deps.redis, keys);
    await h.deps.redis.rpush(keys.queue, 'a', 'b');
    const handled: string[][] = [];
    const round = drainFenced(fq, async (batch) => {
      await renewed.wait; // six renewals (one a confirm): well past the lock's first 300 ms
      expect(await fq.lock('competitor', lockMs)).toBe(false);
      handled.push(batch);
    }, { lockMs, batchSize: 10 }, (error) => { throw error; });
    await round;
    expect(handled).toEqual([['a', 'b']]);
    expect(await h.deps.redis.llen(keys.queue)).toBe(0);
    expect(await h.deps.redis.exists(keys.lock)).toBe(0);
  });

  it('renewal and trim refuse a token that is not the holder\'s', async () => {
    const keys = { lock: `${h.prefix}:{fq2}:lock`, queue: `${h.prefix}:{fq2}:q`, pending: `${h.prefix}:fq2-pending`, member: 'fq2' };
    const fq = new FencedQueue(h.deps.redis, keys);
    await h.deps.redis.rpush(keys.queue, 'x', 'y');
    expect(await fq.lock('mine', 30_000)).toBe(true);
    expect(await fq.renew('stale', 30_000)).toBe(false);
    expect(await fq.trim('stale', 1)).toBe(false);
    expect(await h.deps.redis.lrange(keys.queue, 0, -1)).toEqual(['x', 'y']);
    expect(await fq.trim('mine', 1)).toBe(true);
    expect(await h.deps.redis.lrange(keys.queue, 0, -1)).toEqual(['y']);
    await h.deps.redis.del(keys.lock); // lapsed: the old holder cannot get it back by renewing
    expect(await fq.renew('mine', 30_000)).toBe(false);
    expect(await h.deps.redis.exists(keys.lock)).toBe(0);
    expect(await fq.release('mine')).toBe(1);
    expect(await h.deps.redis.sismember(keys.pending, 'fq2')).toBe(1);
  });
});
