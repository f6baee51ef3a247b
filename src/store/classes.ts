import type { Keys } from './keys.js';
import { isCluster, readEach, type RedisClient } from '../lib/redis.js';
import { ClassScripts } from './class-scripts.js';

export type SummaryState = 'scheduled' | 'pushed' | 'none';

/** Classes from which one ingest batch reads their schedules with one script call. */
const SCRIPT_READ_FROM = 8;

/** A class (lesson) of the course schedule, with its lesson-summary state. */
export interface ClassRecord {
  sid: number;
  classId: number;
  courseId: number;
  title: string | null;
  /** Lesson start, unix s. */
  startTime: number;
  /** Scheduled close, unix s, WITHOUT the 20-minute overtime (API.md). */
  closeTime: number;
  teacherUid: number | null;
  /** Set when the class was closed early (or ended by the host). */
  realCloseTime: number | null;
  closed: boolean;
  summary: SummaryState;
  /** Bumped by every change of the schedule; a summary job of an older version does nothing. */
  version: number;
}

export interface ScheduleInput {
  courseId: number;
  title?: string | undefined;
  startTime: number;
  closeTime: number;
  teacherUid?: number | undefined;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));

function parse(sid: number, classId: number, h: Record<string, string>): ClassRecord | undefined {
  if (!h.startTime) return undefined;
  return {
    sid, classId,
    courseId: Number(h.courseId),
    title: h.title ? h.title : null,
    startTime: Number(h.startTime),
    closeTime: Number(h.closeTime),
    teacherUid: num(h.teacherUid),
    realCloseTime: num(h.realCloseTime),
    closed: h.closed === '1',
    summary: (h.summary ?? 'scheduled') as SummaryState,
    version: Number(h.version ?? 0),
  };
}

/** The course schedule: one hash per class under its school's hash tag. */
export class ClassStore {
  private readonly scripts: ClassScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.scripts = new ClassScripts(redis, keys);
  }

  async get(sid: number, classId: number): Promise<ClassRecord | undefined> {
    return parse(sid, classId, await this.redis.hgetall(this.keys.classRecord(sid, classId)));
  }

  /** Creates or changes a class's schedule; returns the record with its new version. */
  async putSchedule(sid: number, classId: number, input: ScheduleInput): Promise<ClassRecord> {
    const key = this.keys.classRecord(sid, classId);
    const fields: Record<string, string | number> = {
      courseId: input.courseId, startTime: input.startTime, closeTime: input.closeTime,
      title: input.title ?? '', teacherUid: input.teacherUid ?? '',
    };
    await this.redis.multi().hset(key, fields).hsetnx(key, 'summary', 'scheduled').hincrby(key, 'version', 1).exec();
    return (await this.get(sid, classId))!;
  }

  /** Closes the class early; undefined when it does not exist, `alreadyClosed` makes it idempotent. */
  async close(sid: number, classId: number, realCloseTime: number): Promise<{ record: ClassRecord; alreadyClosed: boolean } | undefined> {
    const reply = await this.scripts.closeClass({ sid, classId, realCloseTime });
    if (reply === 'missing') return undefined;
    return { record: (await this.get(sid, classId))!, alreadyClosed: reply === 'already_closed' };
  }

  /** Moves the scheduled close (class_extended); undefined when the class is unknown. */
  async extend(sid: number, classId: number, closeTime: number): Promise<ClassRecord | undefined> {
    const key = this.keys.classRecord(sid, classId);
    if (!(await this.redis.exists(key))) return undefined;
    await this.redis.multi().hset(key, 'closeTime', closeTime).hincrby(key, 'version', 1).exec();
    return this.get(sid, classId);
  }

  /** Schedules of many classes in one round trip (for decorating pushes with StartTime/CloseTime). */
  async schedules(pairs: { sid: number; classId: number }[]): Promise<Map<string, { startTime: number; closeTime: number; courseId: number }>> {
    const out = new Map<string, { startTime: number; closeTime: number; courseId: number }>();
    if (pairs.length === 0) return out;
    // Every ingest batch asks this for all its classes. A batch of many classes on a single Redis
    // reads them in one script call (one command instead of one per class); a few classes, or a
    // cluster (where the keys span slots), read one command each, which is cheaper than a script.
    const fields = ['startTime', 'closeTime', 'courseId'];
    const rows = isCluster(this.redis) || pairs.length < SCRIPT_READ_FROM
      ? await readEach<{ sid: number; classId: number }, (string | null)[]>(this.redis, pairs, (pipeline, p) => pipeline.hmget(this.keys.classRecord(p.sid, p.classId), ...fields))
      : await this.scripts.hmgetMany({ classes: pairs, fields });
    pairs.forEach((p, i) => {
      const [startTime, closeTime, courseId] = rows[i] ?? [];
      if (startTime && closeTime) out.set(`${p.sid}/${p.classId}`, { startTime: Number(startTime), closeTime: Number(closeTime), courseId: Number(courseId) });
    });
    return out;
  }

  /** Notes when a class's summary is due, so a lost summary job is found and added again. */
  async markDue(sid: number, classId: number, atMs: number): Promise<void> {
    await this.redis.zadd(this.keys.classesDue, atMs, `${sid}/${classId}`);
  }

  /** Classes whose summary was due before `beforeMs`. */
  async dueBefore(beforeMs: number, limit: number): Promise<{ sid: number; classId: number }[]> {
    const members = await this.redis.zrangebyscore(this.keys.classesDue, '-inf', beforeMs, 'LIMIT', 0, limit);
    return members.map((m) => ({ sid: Number(m.split('/')[0]), classId: Number(m.split('/')[1]) }));
  }

  async clearDue(sid: number, classId: number): Promise<void> {
    await this.redis.zrem(this.keys.classesDue, `${sid}/${classId}`);
  }

  /** Ids of the class's in-class events, in acceptance order. */
  async eventIds(sid: number, classId: number): Promise<string[]> {
    return this.redis.lrange(this.keys.classEvents(sid, classId), 0, -1);
  }

  /** Marks the summary of `version` as settled; false when stale or already settled. */
  async settleSummary(sid: number, classId: number, version: number, state: 'pushed' | 'none', retentionS: number): Promise<boolean> {
    const reply = await this.scripts.settleSummary({ sid, classId, version, state, retentionS });
    // Settled (now or before): the reconciler need not look at it again. A crash before this
    // leaves the entry; the reconciler's next job finds the summary settled and clears it.
    if (reply !== 'stale') await this.clearDue(sid, classId);
    return reply === 'settled';
  }
}
