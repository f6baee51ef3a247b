/**
 * The school and drain scripts through their typed calls, against the real Redis: each argument
 * reaches the script (create-school's fields, set-school-status's verification id and error text,
 * fetch-head's event prefix, skip-head's expected id and retention, requeue-events' ids) and each
 * reply decodes into its named outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/lib/redis.js';
import { DrainScripts } from '../../src/store/drain-scripts.js';
import { Keys } from '../../src/store/keys.js';
import { SchoolScripts } from '../../src/store/school-scripts.js';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/harness.js';

const SID = 11;

describe('school and drain scripts', () => {
  let redis: RedisClient;
  let keys: Keys;
  let schools: SchoolScripts;
  let drain: DrainScripts;

  beforeAll(() => {
    redis = testRedis();
    keys = new Keys(uniquePrefix('typed-scripts'));
    schools = new SchoolScripts(redis, keys);
    drain = new DrainScripts(redis, keys);
  });
  afterAll(async () => {
    await dropPrefix(keys.prefix);
    redis.disconnect();
  });

  it('creates a school once, with its fields and the drain-state mirror', async () => {
    const fields = { sid: SID, name: 'North', url: 'http://127.0.0.1:1/hook', subs: ',class_start,', status: 'pending', secret: 's3', verified: '0', createdAt: 1_764_720_000_123 };
    expect(await schools.createSchool({ sid: SID, fields })).toBe(true);
    expect(await schools.createSchool({ sid: SID, fields: { ...fields, name: 'Other' } })).toBe(false);
    expect(await redis.hmget(keys.school(SID), 'sid', 'name', 'url', 'subs', 'secret', 'createdAt')).toEqual(['11', 'North', 'http://127.0.0.1:1/hook', ',class_start,', 's3', '1764720000123']);
    expect(await redis.hmget(keys.state(SID), 'hold', 'subs')).toEqual(['1', ',class_start,']);
  });

  it('verifies the school by its verification id, records an error text, and wakes the drain', async () => {
    const status = (action: 'verifying' | 'verified' | 'unverified', verifyId: string, errorText = '') =>
      schools.setSchoolStatus({ sid: SID, action, nowMs: 1_000, verifyId, errorText });
    expect(await status('verifying', 'v1')).toEqual({ kind: 'ok', status: 'pending', wakeEpoch: null });
    expect(await status('unverified', 'v0', 'late')).toEqual({ kind: 'stale' });
    expect(await status('unverified', 'v1', 'HTTP 500')).toEqual({ kind: 'ok', status: 'verification_failed', wakeEpoch: null });
    expect(await redis.hget(keys.school(SID), 'lastError')).toBe('HTTP 500');
    expect(await status('verifying', 'v2')).toEqual({ kind: 'ok', status: 'pending', wakeEpoch: null });
    await redis.rpush(keys.outbox(SID), 'e1', 'e2', 'e3');
    for (const [i, id] of ['e1', 'e2', 'e3'].entries()) await redis.hset(keys.event(SID, id), 'ev', `{"n":${i}}`, 'at', 500 + i);
    expect(await status('verified', 'v2')).toEqual({ kind: 'ok', status: 'active', wakeEpoch: 1 });
  });

  it('claims and fetches the head batch, yields, skips the expected head and requeues it', async () => {
    const claimed = await drain.fetchHead({ sid: SID, mode: 'claim', check: '1', token: 'tok', batch: 2, nowMs: 2_000 });
    expect(claimed).toEqual({
      kind: 'ok', endpointUrl: 'http://127.0.0.1:1/hook', secret: 's3',
      events: [{ id: 'e1', json: '{"n":0}', attempts: 0, acceptedAtMs: 500 }, { id: 'e2', json: '{"n":1}', attempts: 0, acceptedAtMs: 501 }],
    });
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'other', token: '', batch: 2, nowMs: 2_001 })).toEqual({ kind: 'stale' });
    expect(await drain.yieldDrain({ sid: SID, token: 'other', nowMs: 2_002 })).toBeNull();
    expect(await drain.yieldDrain({ sid: SID, token: 'tok', nowMs: 2_003 })).toBe(2);
    expect(await redis.hmget(keys.state(SID), 'phase', 'at')).toEqual(['queued', '2003']);

    expect(await drain.skipHead({ sid: SID, nowMs: 3_000, retentionS: 120, expectedId: 'e2' })).toEqual({ kind: 'moved', headId: 'e1' });
    expect(await drain.skipHead({ sid: SID, nowMs: 3_000, retentionS: 120, expectedId: 'e1' })).toEqual({ kind: 'ok', skippedId: 'e1', wakeEpoch: null });
    expect(await redis.hmget(keys.event(SID, 'e1'), 'st', 'dAt')).toEqual(['skipped', '3000']);
    expect(await redis.ttl(keys.event(SID, 'e1'))).toBeGreaterThan(100);

    expect(await drain.requeueEvents({ sid: SID, nowMs: 4_000, ids: ['e1', 'e3', 'missing'] })).toEqual({ requeued: 1, wakeEpoch: null });
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['e2', 'e3', 'e1']);
    expect(await redis.ttl(keys.event(SID, 'e1'))).toBe(-1);
    expect(await drain.takeOverDrain({ sid: SID, epoch: 2, nowMs: 5_000 })).toBe(3);
  });

  it('leaves a drainer waiting on its wake channel over an empty outbox, back to draining at its next fetch', async () => {
    expect(await drain.fetchHead({ sid: SID, mode: 'claim', check: '3', token: 'w', batch: 10, nowMs: 5_100 })).toMatchObject({ kind: 'ok' });
    const held = await redis.lrange(keys.outbox(SID), 0, -1);
    await redis.del(keys.outbox(SID));
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w', token: 'w', batch: 10, nowMs: 5_200, wakeChannel: 'cb:drain-wake:x' })).toEqual({ kind: 'waiting' });
    expect(await redis.hmget(keys.state(SID), 'phase', 'wch', 'sched', 'owner', 'at')).toEqual(['waiting', 'cb:drain-wake:x', '1', 'w', '5200']);
    await redis.rpush(keys.outbox(SID), ...held);
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w', token: 'w', batch: 1, nowMs: 5_300, wakeChannel: 'cb:drain-wake:x' })).toMatchObject({ kind: 'ok' });
    expect(await redis.hmget(keys.state(SID), 'phase', 'wch', 'at')).toEqual(['draining', '', '5300']);
    await redis.del(keys.outbox(SID));
    // Each wait has its own owner token (ARGV[3]): taken only when the drainer is left waiting.
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w', token: 'w.2', batch: 10, nowMs: 5_400, wakeChannel: 'cb:drain-wake:x' })).toEqual({ kind: 'waiting' });
    expect(await redis.hget(keys.state(SID), 'owner')).toBe('w.2');
    // The same call sent again (its reply lost) answers as the first time.
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w', token: 'w.2', batch: 10, nowMs: 5_405, wakeChannel: 'cb:drain-wake:x' })).toEqual({ kind: 'waiting' });
    await redis.rpush(keys.outbox(SID), ...held);
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w', token: 'w.3', batch: 1, nowMs: 5_410, wakeChannel: 'cb:drain-wake:x' })).toEqual({ kind: 'stale' });
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w.2', token: 'w.3', batch: 1, nowMs: 5_420, wakeChannel: 'cb:drain-wake:x' })).toMatchObject({ kind: 'ok' });
    expect(await redis.hmget(keys.state(SID), 'owner', 'phase')).toEqual(['w.2', 'draining']);
    await redis.del(keys.outbox(SID));
    expect(await drain.fetchHead({ sid: SID, mode: 'next', check: 'w.2', token: 'w.3', batch: 10, nowMs: 5_430, wakeChannel: 'cb:drain-wake:x' })).toEqual({ kind: 'waiting' });
    // A crashed waiting drainer's school is taken over like a draining one's.
    expect(await drain.takeOverDrain({ sid: SID, epoch: 3, nowMs: 5_500 })).toBe(4);
    expect(await redis.hmget(keys.state(SID), 'phase', 'wch', 'owner')).toEqual(['queued', '', '']);
    // Without a channel an empty outbox releases the school.
    expect(await drain.fetchHead({ sid: SID, mode: 'claim', check: '4', token: 'v', batch: 10, nowMs: 5_600 })).toEqual({ kind: 'idle' });
    expect(await redis.hmget(keys.state(SID), 'phase', 'sched')).toEqual(['idle', '0']);
  });

  it('marks the school deleting, then leaves only its epoch', async () => {
    await redis.hset(keys.school(SID), 'apiKeyHash', 'h1');
    expect(await schools.markSchoolDeleting({ sid: SID, nowMs: 6_000 })).toEqual({ kind: 'marked', apiKeyHash: 'h1' });
    expect(await schools.setSchoolStatus({ sid: SID, action: 'pause', nowMs: 6_001, verifyId: '', errorText: '' })).toEqual({ kind: 'missing' });
    await schools.finishSchoolDelete({ sid: SID });
    expect(await redis.exists(keys.school(SID))).toBe(0);
    expect(await redis.hgetall(keys.state(SID))).toEqual({ epoch: '5' });
    expect(await schools.markSchoolDeleting({ sid: SID, nowMs: 7_000 })).toEqual({ kind: 'missing' });
  });
});
