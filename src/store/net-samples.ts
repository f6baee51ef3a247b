import { readEach, type RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

/** One 5-minute window of a class's raw network samples. */
export interface NetWindow {
  sid: number;
  classId: number;
  windowStartS: number;
}

/**
 * Raw network samples waiting for their Net report: a list per class and window (appended by the
 * ingest script), indexed per school in `net-due` by when the window's first sample came.
 */
export class NetSampleStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The window's samples as posted (JSON), oldest first. */
  samples(w: NetWindow): Promise<string[]> {
    return this.redis.lrange(this.keys.netSamples(w.sid, w.classId, w.windowStartS), 0, -1);
  }

  /** Drops the window's samples and its index entry (reported, or nothing to report). */
  async drop(w: NetWindow): Promise<void> {
    const key = this.keys.netSamples(w.sid, w.classId, w.windowStartS);
    await this.redis.del(key);
    await this.redis.zrem(this.keys.netDue(w.sid), key);
  }

  /**
   * Windows of these schools whose first sample came before `beforeMs` and whose samples are still
   * there (at most 100 a school); index entries whose samples are gone are dropped on the way.
   */
  async dueBefore(sids: readonly number[], beforeMs: number): Promise<NetWindow[]> {
    const due = await readEach<number, string[]>(this.redis, sids, (pipeline, sid) => pipeline.zrangebyscore(this.keys.netDue(sid), '-inf', beforeMs, 'LIMIT', 0, 100));
    const windows: NetWindow[] = [];
    for (const [i, sampleKeys] of due.entries()) {
      const sid = sids[i]!;
      for (const key of sampleKeys) {
        const w = this.keys.parseNetSamples(key);
        if (w && (await this.redis.exists(key))) windows.push(w);
        else await this.redis.zrem(this.keys.netDue(sid), key);
      }
    }
    return windows;
  }
}
