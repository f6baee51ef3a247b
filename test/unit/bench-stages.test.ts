import { describe, expect, it } from 'vitest';
import { stagesOf, type DrainJobTimes, type EventTimes, type PhaseEvent } from '../../bench/lib/stages.js';

const event = (id: string, sid: number, at202: number, arrivedAt: number | undefined): PhaseEvent => ({ id, sid, at202, arrivedAt });
const times = (acceptedMs: number, pushSentMs: number, durationMs: number, settledMs: number): EventTimes =>
  ({ acceptedMs, pushSentMs, ackMs: pushSentMs + durationMs, settledMs });

describe('bench latency stages', () => {
  it('charges a woken event its own drain job and an event pushed by a running drain none', () => {
    // School 1: event a wakes job j1 (added after a's acceptance); event b arrives while j1 runs.
    const jobs = new Map<number, DrainJobTimes[]>([[1, [{ addedMs: 1001, activeMs: 1004 }]]]);
    const stages = stagesOf(
      [event('a', 1, 1002, 1010.5), event('b', 1, 1006, 1016)],
      [times(1000, 1009, 3, 1013), times(1005, 1014, 4, 1019)],
      jobs, 0,
    );
    expect(stages).toMatchObject({ events: 2, sampled: 2, wokenShare: 0.5, unreadable: 0 });
    expect(stages.jobAddedFrom202).toEqual({ p50Ms: -1, p99Ms: -1, maxMs: -1 });
    expect(stages.addedToActive).toEqual({ p50Ms: 3, p99Ms: 3, maxMs: 3 });
    expect(stages.activeToPushSent).toEqual({ p50Ms: 5, p99Ms: 5, maxMs: 5 });
    // Every event counts in the stages that need no job.
    expect(stages.from202ToPushSent).toEqual({ p50Ms: 7, p99Ms: 8, maxMs: 8 });
    expect(stages.pushSentToAck).toEqual({ p50Ms: 3, p99Ms: 4, maxMs: 4 });
    expect(stages.pushSentToArrival).toEqual({ p50Ms: 1.5, p99Ms: 2, maxMs: 2 });
    expect(stages.ackToSettled).toEqual({ p50Ms: 1, p99Ms: 1, maxMs: 1 });
  });

  it('picks the latest job active before the push and leaves events before the stream window out of the sample', () => {
    const jobs = new Map<number, DrainJobTimes[]>([[7, [{ addedMs: 100, activeMs: 102 }, { addedMs: 200, activeMs: 230 }, { addedMs: 300, activeMs: 301 }]]]);
    const stages = stagesOf(
      [event('early', 7, 101, 110), event('late', 7, 201, 240), event('lost', 7, 250, undefined)],
      [times(99, 105, 1, 107), times(200, 235, 1, 237), times(249, 260, 1, 262)],
      jobs, 140,
    );
    // 'early' predates the window (140 + 50 ms margin), 'lost' never arrived; 'late' was accepted
    // in the millisecond its job was added: the job is its own (1 ms clocks).
    expect(stages).toMatchObject({ events: 3, sampled: 1, wokenShare: 1, unreadable: 1 });
    expect(stages.addedToActive.p50Ms).toBe(30);
    expect(stages.activeToPushSent.p50Ms).toBe(5);
  });

  it('leaves an event without a recorded attempt out of the push stages but still finds its job by its arrival; an event with no job in the window was pushed by a drain already running', () => {
    const jobs = new Map<number, DrainJobTimes[]>([[3, [{ addedMs: 500, activeMs: 502 }]]]);
    const stages = stagesOf(
      [event('bare', 3, 501, 506), event('other', 4, 600, 610)],
      [{ acceptedMs: 499, pushSentMs: NaN, ackMs: NaN, settledMs: NaN }, times(599, 608, 1, 610)],
      jobs, 0,
    );
    // 'other': school 4 started no job in the window (from 0): its drain was running, or waiting on
    // the empty outbox, before it.
    expect(stages).toMatchObject({ events: 2, sampled: 2, wokenShare: 0.5, unreadable: 0 });
    expect(stages.addedToActive.p50Ms).toBe(2);
    expect(stages.from202ToPushSent).toEqual({ p50Ms: 8, p99Ms: 8, maxMs: 8 });
    expect(stages.activeToPushSent.p50Ms).toBeNaN();
  });
});
