/**
 * ClassStore.schedules, which every ingest batch calls for its classes: a few classes are read one
 * command each, many with one script call. Both ways must answer the same.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassStore } from '../../src/store/classes.js';
import { Keys } from '../../src/store/keys.js';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/harness.js';

describe('class schedules read for an ingest batch', () => {
  let redis: Redis;
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
});
