import { readEach, type RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

/** A school as the gauges see it. */
export interface SchoolBacklog {
  sid: number;
  backlog: number;
  status: string;
}

/** A school's delivery and verification health, as the alert check reads it. */
export interface SchoolHealthRow {
  sid: number;
  status: string | null;
  /** When the head started failing (ms), or null. */
  headFailingSinceMs: number | null;
  /** The drain's last error (failing head) and the school's own (failed verification). */
  drainError: string | null;
  schoolError: string | null;
}

/**
 * What monitoring reads across all schools: the Prometheus gauges at scrape time (backlogs,
 * statuses, rooms online) and the alert check (each school's health).
 */
export class MonitoringReads {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Every school's backlog (outbox length) and status ("unknown" for a school without one). */
  async schoolBacklogs(): Promise<SchoolBacklog[]> {
    const sids = (await this.redis.zrange(this.keys.schools, 0, -1)).map(Number);
    const [backlogs, statuses] = await Promise.all([
      readEach<number, number>(this.redis, sids, (pipeline, sid) => pipeline.llen(this.keys.outbox(sid))),
      readEach<number, string | null>(this.redis, sids, (pipeline, sid) => pipeline.hget(this.keys.school(sid), 'status')),
    ]);
    return sids.map((sid, i) => ({ sid, backlog: backlogs[i] ?? 0, status: statuses[i] ?? 'unknown' }));
  }

  /** When each school's head event was accepted (ms; 0 when it has none or it is gone). */
  async headAcceptedAtMs(sids: readonly number[]): Promise<number[]> {
    const headIds = await Promise.all(sids.map((sid) => this.redis.lindex(this.keys.outbox(sid), 0)));
    const at = await Promise.all(sids.map((sid, i) => this.redis.hget(this.keys.event(sid, headIds[i] ?? ''), 'at')));
    return at.map((ms) => Number(ms ?? 0));
  }

  /** The users online, as "<roomId>/<userId>" (the heartbeat set). */
  roomUsersOnline(): Promise<string[]> {
    return this.redis.zrange(this.keys.roomHeartbeats, 0, -1);
  }

  /** Every school's health for the alert check. */
  async schoolHealth(): Promise<SchoolHealthRow[]> {
    const sids = (await this.redis.zrange(this.keys.schools, 0, -1)).map(Number);
    const [states, schools] = await Promise.all([
      readEach<number, (string | null)[]>(this.redis, sids, (pipeline, sid) => pipeline.hmget(this.keys.state(sid), 'headFailingSince', 'lastError')),
      readEach<number, (string | null)[]>(this.redis, sids, (pipeline, sid) => pipeline.hmget(this.keys.school(sid), 'status', 'lastError')),
    ]);
    return sids.map((sid, i) => {
      const [since, drainError] = states[i] ?? [];
      const [status, schoolError] = schools[i] ?? [];
      return { sid, status: status ?? null, headFailingSinceMs: since ? Number(since) : null, drainError: drainError || null, schoolError: schoolError || null };
    });
  }
}
