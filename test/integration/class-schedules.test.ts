/**
 * ClassStore.schedules, which every ingest batch calls for its classes: a few classes are read one
 * command each, many with one script call. Both ways must answer the same.
 */
import type { RedisClient } from '../../src/lib/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassStore } from '../../src/store/classes.js';
import { Keys } from '../../src/store/keys.js';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/harness.js';

describe('class schedules read for an ingest batch', () => {
  let redis: RedisClient;
  let classes: ClassStore;
  const prefix = uniquePrefix('sched');

  beforeAll(async () => {
    redis = testRedis();
    classes = new ClassStore(redis, new Keys(prefix));
    // Every other class of schools 1..12 has a schedule.
    for (let sid = 1; sid <= 12; sid++) {
      await classes.putSchedule(sid, 100 + sid, { courseId: 7000 + sid, startTime: 1_700_000_000 + sid, closeTime: 1_700_003_600 + sid });
    }
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });

  const pairs = (n: number) => Array.from({ length: n }, (_, i) => ({ sid: i + 1, classId: i % 2 === 0 ? 100 + i + 1 : 999 }));
  const expected = (n: number) => new Map(pairs(n).filter((p) => p.classId !== 999).map((p) => [
    `${p.sid}/${p.classId}`, { startTime: 1_700_000_000 + p.sid, closeTime: 1_700_003_600 + p.sid, courseId: 7000 + p.sid },
  ]));

  it('reads a few classes, scheduled or not', async () => {
    expect(await classes.schedules(pairs(3))).toEqual(expected(3));
  });

  it('reads many classes in one call with the same answers', async () => {
    const many = await classes.schedules(pairs(12));
    expect(many.size).toBe(6);
    expect(many).toEqual(expected(12));
  });

  it('closing a class never removes one that a concurrent PUT creates', async () => {
    const schedule = { courseId: 1, startTime: 1_700_000_000, closeTime: 1_700_003_600 };
    // A close of a class nobody created leaves nothing behind.
    expect(await classes.close(50, 1, 1_700_000_100)).toBeUndefined();
    expect(await redis.exists(new Keys(prefix).classRecord(50, 1))).toBe(0);
    // Close and PUT race on 50 classes: every PUT's class must exist afterwards.
    await Promise.all(Array.from({ length: 50 }, (_, i) => [
      classes.close(50, 10 + i, 1_700_000_100),
      classes.putSchedule(50, 10 + i, schedule),
    ]).flat());
    for (let i = 0; i < 50; i++) expect((await classes.get(50, 10 + i))?.courseId).toBe(1);
    // Closing twice: closed once (one version bump), then already closed.
    const first = await classes.close(50, 10, 1_700_000_200);
    const second = await classes.close(50, 10, 1_700_000_300);
    expect(first?.record.closed).toBe(true);
    expect(second).toMatchObject({ alreadyClosed: true, record: { version: first!.record.version } });
  });
});
