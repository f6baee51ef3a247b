/**
 * The settle script (settle-heads) on its own, against the real Redis: the hot path that records a delivered
 * head (pop, attempt, counters) and its edge cases, with the clock passed in.
 */
import type { RedisClient } from '../../src/lib/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { DrainScripts } from '../../src/store/drain-scripts.js';
import { OutboxScripts } from '../../src/store/outbox-scripts.js';
import { SchoolScripts } from '../../src/store/school-scripts.js';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/harness.js';

const SID = 7;
const TOKEN = 'owner-token';
const MINUTE = 60_000;

describe('settle-heads', () => {
  let redis: RedisClient;
  let keys: Keys;
  let prefix: string;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    redis.disconnect();
  });

  async function fresh(ids: string[]): Promise<void> {
    if (prefix) await dropPrefix(prefix);
    prefix = uniquePrefix('settle');
    keys = new Keys(prefix);
    await redis.hset(keys.school(SID), 'status', 'active');
    await redis.hset(keys.state(SID), 'owner', TOKEN, 'sched', '1', 'phase', 'draining');
    await redis.rpush(keys.outbox(SID), ...ids);
    for (const id of ids) await redis.hset(keys.event(SID, id), 'ev', '{}', 'at', 1);
  }

  type Item = { sid: number; id: string; outcome: string; token?: string; wch?: string; nt?: string };
  function settleMany(items: Item[], nowMs: number) {
    // The script through its typed call alone (no SettleBatch): this file tests the script.
    return new OutboxScripts(redis, keys).settleHeads({
      nowMs, retentionS: 3600, attemptsKept: 5,
      items: items.map((it) => ({
        sid: String(it.sid), token: it.token ?? TOKEN, id: it.id, attempt: JSON.stringify({ n: 1, outcome: it.outcome }), outcome: it.outcome,
        error: it.outcome === 'delivered' ? '' : 'HTTP 500',
        ...(it.wch ? { wch: it.wch } : {}),
        ...(it.nt ? { nt: it.nt } : {}),
      })),
    });
  }
  async function settle(id: string, outcome: string, nowMs: number, token = TOKEN) {
    return (await settleMany([{ sid: SID, id, outcome, token }], nowMs))[0]!;
  }

  it('writes the numbers it records as the same decimal text at any size (now, minute, counts)', async () => {
    // The script formats numbers itself (includes/arg-text.lua) instead of letting Redis print them.
    await fresh(['a', 'b']);
    await redis.hset(keys.state(SID), 'delivered', '41');
    await redis.hset(keys.event(SID, 'b'), 'n', '17', 'q', '2');
    const now = 1_764_800_123_456;
    expect(await settle('a', 'delivered', now)).toEqual({ kind: 'ok' });
    expect(await redis.hmget(keys.state(SID), 'delivered', 'lastDeliveredAt')).toEqual(['42', '1764800123456']);
    expect(await redis.hgetall(keys.deliveriesPerMinute(SID))).toEqual({ '29413335': '1' });
    expect(await redis.hmget(keys.event(SID, 'a'), 'n', 'q', 'dAt')).toEqual(['1', '0', '1764800123456']);
    expect(await redis.ttl(keys.event(SID, 'a'))).toBe(3600);
    expect(await settle('b', 'delivered', now + 1)).toEqual({ kind: 'ok' });
    expect(await redis.hmget(keys.event(SID, 'b'), 'n', 'q', 'dAt')).toEqual(['18', '1', '1764800123457']);
    expect(await redis.ttl(keys.event(SID, 'b')), 'still queued once more: no expiry yet').toBe(-1);
  });

  it('pops a delivered head, records its attempt and counts it in its minute', async () => {
    await fresh(['a', 'b']);
    const now = 1_000 * MINUTE + 5;
    expect(await settle('a', 'delivered', now)).toEqual({ kind: 'ok' });
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['b']);
    const record = await redis.hgetall(keys.event(SID, 'a'));
    expect(record).toMatchObject({ st: 'delivered', n: '1', q: '0', dAt: String(now) });
    expect(JSON.parse(record.att!)).toEqual([{ n: 1, outcome: 'delivered' }]);
    expect(await redis.ttl(keys.event(SID, 'a'))).toBeGreaterThan(0);
    expect(await redis.hmget(keys.state(SID), 'delivered', 'lastDeliveredAt')).toEqual(['1', String(now)]);
    expect(await redis.hgetall(keys.deliveriesPerMinute(SID))).toEqual({ '1000': '1' });
    expect(await settle('b', 'delivered', now + 1)).toEqual({ kind: 'ok' });
    expect(await redis.hgetall(keys.deliveriesPerMinute(SID))).toEqual({ '1000': '2' });
    expect(await redis.hget(keys.state(SID), 'delivered')).toBe('2');
  });

  it('leaves the drainer waiting on its channel when the delivered head was the outbox\'s last, and only then', async () => {
    await fresh(['a', 'b']);
    const now = 1_000 * MINUTE;
    expect(await settleMany([{ sid: SID, id: 'a', outcome: 'delivered', wch: 'cb:drain-wake:w1' }], now)).toEqual([{ kind: 'ok' }]);
    expect(await redis.hmget(keys.state(SID), 'phase', 'wch')).toEqual(['draining', null]);
    expect(await settleMany([{ sid: SID, id: 'b', outcome: 'delivered', wch: 'cb:drain-wake:w1' }], now + 1)).toEqual([{ kind: 'waiting' }]);
    expect(await redis.hmget(keys.state(SID), 'phase', 'wch', 'sched', 'owner', 'at', 'delivered')).toEqual(['waiting', 'cb:drain-wake:w1', '1', TOKEN, String(now + 1), '2']);
    // An event requeued for the school now wakes the waiting drainer: its owner token, on its channel.
    const sub = testRedis();
    const got = new Promise<[string, string]>((resolve) => sub.on('message', (channel: string, message: string) => resolve([channel, message])));
    await sub.subscribe('cb:drain-wake:w1');
    expect(await new DrainScripts(redis, keys).requeueEvents({ sid: SID, nowMs: now + 2, ids: ['a'] })).toEqual({ requeued: 1, wakeEpoch: null });
    expect(await got).toEqual(['cb:drain-wake:w1', TOKEN]);
    sub.disconnect();
  });

  it('gives the school to the wait\'s own token when the drainer waits, and keeps its token when it does not', async () => {
    await fresh(['a', 'b']);
    expect(await settleMany([{ sid: SID, id: 'a', outcome: 'delivered', wch: 'cb:drain-wake:w1', nt: 'wait-1' }], 1)).toEqual([{ kind: 'ok' }]);
    expect(await redis.hget(keys.state(SID), 'owner')).toBe(TOKEN);
    expect(await settleMany([{ sid: SID, id: 'b', outcome: 'delivered', wch: 'cb:drain-wake:w1', nt: 'wait-1' }], 2)).toEqual([{ kind: 'waiting' }]);
    expect(await redis.hmget(keys.state(SID), 'phase', 'owner')).toEqual(['waiting', 'wait-1']);
    // The same call sent again (its reply lost): answered as the first time, nothing applied twice.
    expect(await settleMany([{ sid: SID, id: 'b', outcome: 'delivered', wch: 'cb:drain-wake:w1', nt: 'wait-1' }], 3)).toEqual([{ kind: 'waiting' }]);
    expect(await redis.hmget(keys.state(SID), 'phase', 'owner', 'delivered')).toEqual(['waiting', 'wait-1', '2']);
    // The job's own token no longer owns the school.
    await redis.rpush(keys.outbox(SID), 'a');
    expect(await settle('a', 'delivered', 3)).toEqual({ kind: 'stale' });
    expect(await settle('a', 'delivered', 3, 'wait-1')).toEqual({ kind: 'ok' });
  });

  it('puts a head that is not the settled event back, and answers moved', async () => {
    await fresh(['x', 'y']);
    expect(await settle('y', 'delivered', 5 * MINUTE)).toEqual({ kind: 'moved' });
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['x', 'y']);
    expect(await redis.hget(keys.event(SID, 'y'), 'st')).toBeNull();
    expect(await redis.exists(keys.deliveriesPerMinute(SID))).toBe(0);
  });

  it('changes nothing for a drainer that lost ownership', async () => {
    await fresh(['x']);
    expect(await settle('x', 'delivered', 5 * MINUTE, 'someone-else')).toEqual({ kind: 'stale' });
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['x']);
  });

  it('clears the failing head state once the head is delivered', async () => {
    await fresh(['x']);
    const reply = await settle('x', 'rejected', 5 * MINUTE);
    expect(reply.kind).toBe('retry');
    expect(await redis.hmget(keys.state(SID), 'headAttempts', 'headFailingSince', 'failedAttempts')).toEqual(['1', String(5 * MINUTE), '1']);
    await redis.hset(keys.state(SID), 'owner', TOKEN); // the retry job's drainer
    expect(await settle('x', 'delivered', 6 * MINUTE)).toEqual({ kind: 'ok' });
    expect(await redis.hmget(keys.state(SID), 'headAttempts', 'headFailingSince', 'delivered')).toEqual(['0', '', '1']);
    expect(JSON.parse((await redis.hget(keys.event(SID, 'x'), 'att'))!)).toHaveLength(2);
  });

  it('drops per-minute counters older than an hour when a new minute starts', async () => {
    await fresh(['x']);
    const now = 10_000 * MINUTE;
    const old: Record<string, number | string> = { '7': '9990:3' }; // the earlier ring format
    for (let m = 10_000 - 90; m < 10_000; m++) old[String(m)] = 1;
    await redis.hset(keys.deliveriesPerMinute(SID), old);
    expect(await settle('x', 'delivered', now)).toEqual({ kind: 'ok' });
    const fields = Object.keys(await redis.hgetall(keys.deliveriesPerMinute(SID))).map(Number).sort((a, b) => a - b);
    expect(fields[0]).toBe(10_000 - 59);
    expect(fields.at(-1)).toBe(10_000);
    expect(fields).toHaveLength(60);
  });

  it('settles several schools in one call, each on its own terms', async () => {
    await fresh(['a', 'b']);
    const other = SID + 1;
    await redis.hset(keys.school(other), 'status', 'active');
    await redis.hset(keys.state(other), 'owner', 'other-token', 'sched', '1');
    await redis.rpush(keys.outbox(other), 'c');
    await redis.hset(keys.event(other, 'c'), 'ev', '{}', 'at', 1);
    const replies = await settleMany([
      { sid: SID, id: 'a', outcome: 'delivered' },
      { sid: other, id: 'c', outcome: 'delivered', token: 'lost-token' },
      { sid: other, id: 'c', outcome: 'timeout', token: 'other-token' },
    ], 7 * MINUTE);
    expect(replies[0]).toEqual({ kind: 'ok' });
    expect(replies[1]).toEqual({ kind: 'stale' });
    expect(replies[2]!.kind).toBe('retry');
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['b']);
    expect(await redis.lrange(keys.outbox(other), 0, -1)).toEqual(['c']);
    expect(await redis.hget(keys.event(other, 'c'), 'st')).toBe('failing');
  });

  it('records a delivered head of a school paused meanwhile, then answers held and releases the drain', async () => {
    await fresh(['a', 'b']);
    const status = (action: 'pause' | 'resume') => new SchoolScripts(redis, keys).setSchoolStatus({ sid: SID, action, nowMs: 8 * MINUTE, verifyId: '', errorText: '' });
    expect(await status('pause')).toEqual({ kind: 'ok', status: 'paused', wakeEpoch: null });
    expect(await settle('a', 'delivered', 8 * MINUTE)).toEqual({ kind: 'held' });
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['b']);
    expect(await redis.hget(keys.event(SID, 'a'), 'st')).toBe('delivered');
    expect(await redis.hmget(keys.state(SID), 'sched', 'phase', 'owner')).toEqual(['0', 'idle', '']);
    // Resumed (and verified before): active again, the drain is woken and settles go on.
    await redis.hset(keys.school(SID), 'verified', '1');
    expect(await status('resume')).toEqual({ kind: 'ok', status: 'active', wakeEpoch: expect.any(Number) });
    await redis.hset(keys.state(SID), 'owner', TOKEN);
    expect(await settle('b', 'delivered', 8 * MINUTE)).toEqual({ kind: 'ok' });
  });

  it('answers a failure sent again (its first reply lost) as the first call did, so the retry job is still added', async () => {
    await fresh(['a', 'b']);
    const first = await settle('a', 'rejected', 9 * MINUTE);
    expect(first).toEqual({ kind: 'retry', headAttempts: 1, epoch: expect.any(Number) });
    // The drainer never saw that reply (a batch that failed part-way on a cluster) and sends it again.
    expect(await settle('a', 'rejected', 9 * MINUTE + 5)).toEqual(first);
    // Recorded once: one attempt, one failed attempt, the head still queued.
    expect(await redis.hget(keys.event(SID, 'a'), 'n')).toBe('1');
    expect(await redis.hmget(keys.state(SID), 'failedAttempts', 'headAttempts', 'phase')).toEqual(['1', '1', 'retry_wait']);
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['a', 'b']);
    // Another drainer's token, or another event, is still stale.
    expect(await settle('a', 'rejected', 9 * MINUTE + 6, 'other-token')).toEqual({ kind: 'stale' });
    expect(await settle('b', 'rejected', 9 * MINUTE + 7)).toEqual({ kind: 'stale' });
  });

  afterAll(async () => {
    if (prefix) await dropPrefix(prefix);
  });
});
