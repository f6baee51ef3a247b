/**
 * Where a steady phase's time went, per event: 202 → drain job added → job active → push sent →
 * ack received, from what classbell and BullMQ already keep (no hook in src/; only BullMQ's
 * events stream is read while the phase runs, the rest after it):
 * - the 202: the bench's clock when the ingest request answered;
 * - drain job added / active: BullMQ's events stream (`<bullPrefix>:classbell:events`, entries
 *   `added` and `active` with the job id; the entry id is Redis's clock in ms). Completed drain
 *   jobs are removed (JOB_DEFAULTS.removeOnComplete), so their hashes (`timestamp`,
 *   `processedOn`) are gone by the time the phase ends; the stream is capped at about 10,000
 *   entries (BullMQ's default), so an EventsRecorder copies it while the phase runs (one XRANGE of
 *   the new entries every 200 ms); without one, only the last entries are left: the sample is the
 *   events accepted after the first entry read;
 * - push sent and ack received: the event record's attempt (`att`: `at`, the push's start in
 *   ms, and `durationMs`, until the reply was read); settled: the record's `dAt`;
 * - push arrived: the receiver's clock.
 * Clocks: one machine, wall-clock ms; the job and attempt times have 1 ms resolution.
 */
import { QUEUE_NAME } from '../../src/queue/jobs.js';
import type { Classbell, IngestTiming } from './classbell.js';
import { benchRedis } from './redis-util.js';
import { percentile } from './stats.js';

/** p50 / p99 / max of one stage, ms. */
export interface StageFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LatencyStages {
  /** Events of the phase, and those whose drain job is in the events stream's window (the sample). */
  events: number;
  sampled: number;
  /**
   * Of the sample: pushed by a drain job added for them (their school's drain was idle), share 0..1;
   * the rest were pushed by a drain already running, or waiting on the school's empty outbox
   * (DRAIN_LINGER_MS) and woken through Pub/Sub.
   */
  wokenShare: number;
  /** Woken events: job added − 202 (negative: the ingest adds the job before it answers). */
  jobAddedFrom202: StageFigures;
  /** Woken events: job active − job added (BullMQ's pickup). */
  addedToActive: StageFigures;
  /** Woken events: push sent − job active (the drain's claim and head read, and any earlier events of the school it pushed first). */
  activeToPushSent: StageFigures;
  /** Every event: push sent − 202 (woken or not: the whole wait before the push). */
  from202ToPushSent: StageFigures;
  /** Every event: ack received − push sent (the push's round trip as the worker timed it). */
  pushSentToAck: StageFigures;
  /** Every event: receiver arrival − push sent (request on the wire, parsed by the receiver). */
  pushSentToArrival: StageFigures;
  /** Every event: settle recorded (`dAt`) − ack received (waiting for the settle call). */
  ackToSettled: StageFigures;
  /** Every event: ack received − 202 (as the worker saw it; the headline uses the receiver's arrival). */
  from202ToAck: StageFigures;
  /** Events whose record or attempt could not be read (0 expected). */
  unreadable: number;
}

const figures = (values: number[]): StageFigures => ({ p50Ms: percentile(values, 50), p99Ms: percentile(values, 99), maxMs: percentile(values, 100) });

export interface DrainJobTimes {
  addedMs: number;
  activeMs: number;
}

type StreamEntry = [string, string[]];

/** BullMQ's events-stream entries of a phase, complete from `fromMs` (Redis's clock) on. */
export interface RecordedStream {
  entries: StreamEntry[];
  fromMs: number;
}

const eventsKey = (cb: Classbell) => `${cb.deps.keys.bullPrefix}:${QUEUE_NAME}:events`;

/**
 * Copies BullMQ's events stream while a phase runs (XRANGE from the last entry read, every 200 ms),
 * so the job stages cover the whole phase and not only the last entries the capped stream keeps.
 * Costs Redis one read of the new entries per poll.
 */
export class EventsRecorder {
  private readonly entries: StreamEntry[] = [];
  /** Redis's clock when recording started: every drain job added or started after it is recorded. */
  private fromMs = 0;
  private last = '';
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private readonly redis = benchRedis();

  private constructor(private readonly key: string) {}

  static async start(cb: Classbell): Promise<EventsRecorder> {
    const recorder = new EventsRecorder(eventsKey(cb));
    // From the newest entry now: the phase's entries are what comes after it.
    const [newest, [seconds, micros]] = await Promise.all([
      recorder.redis.xrevrange(recorder.key, '+', '-', 'COUNT', 1) as Promise<StreamEntry[]>,
      recorder.redis.time(),
    ]);
    recorder.last = newest[0]?.[0] ?? '0-0';
    recorder.fromMs = Number(seconds ?? 0) * 1000 + Math.floor(Number(micros ?? 0) / 1000);
    recorder.timer = setInterval(() => {
      recorder.polling = recorder.polling.then(() => recorder.poll());
    }, 200);
    return recorder;
  }

  private async poll(): Promise<void> {
    for (;;) {
      const batch = (await this.redis.xrange(this.key, `(${this.last}`, '+', 'COUNT', 5000)) as StreamEntry[];
      if (batch.length === 0) return;
      this.entries.push(...batch);
      this.last = batch[batch.length - 1]![0];
      if (batch.length < 5000) return;
    }
  }

  /** Stops polling after one last read; the entries of the phase and when they start. */
  async stop(): Promise<RecordedStream> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
    this.redis.disconnect();
    return { entries: this.entries, fromMs: this.fromMs };
  }
}

/**
 * Drain jobs by school, from BullMQ's events stream entries: when each was added and first became
 * active; `fromMs`: from when the entries are complete (a recording's start, else the first entry).
 */
function drainJobsOf(entries: StreamEntry[], recordedFromMs?: number): { bySid: Map<number, DrainJobTimes[]>; fromMs: number } {
  const jobs = new Map<string, Partial<DrainJobTimes>>();
  for (const [id, fields] of entries) {
    const field = (name: string) => {
      const i = fields.indexOf(name);
      return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
    };
    const event = field('event');
    const jobId = field('jobId');
    if (!jobId?.startsWith('d-') || (event !== 'added' && event !== 'active')) continue;
    const ms = Number(id.slice(0, id.indexOf('-')));
    const job = jobs.get(jobId) ?? {};
    if (event === 'added') job.addedMs ??= ms;
    else job.activeMs ??= ms;
    jobs.set(jobId, job);
  }
  const bySid = new Map<number, DrainJobTimes[]>();
  for (const [jobId, job] of jobs) {
    if (job.addedMs === undefined || job.activeMs === undefined) continue;
    const sid = Number(jobId.split('-')[1]);
    const list = bySid.get(sid) ?? [];
    list.push({ addedMs: job.addedMs, activeMs: job.activeMs });
    bySid.set(sid, list);
  }
  for (const list of bySid.values()) list.sort((a, b) => a.activeMs - b.activeMs);
  const first = entries[0]?.[0];
  if (recordedFromMs !== undefined) return { bySid, fromMs: recordedFromMs };
  return { bySid, fromMs: first ? Number(first.slice(0, first.indexOf('-'))) : Infinity };
}

/** The events stream as the capped stream still holds it (its last ~10,000 entries). */
async function streamNow(cb: Classbell): Promise<StreamEntry[]> {
  const redis = benchRedis();
  try {
    return (await redis.xrange(eventsKey(cb), '-', '+')) as StreamEntry[];
  } finally {
    redis.disconnect();
  }
}

export interface EventTimes {
  acceptedMs: number;
  pushSentMs: number;
  ackMs: number;
  settledMs: number;
}

/** The first attempt and record times of each event, read from its record (pipelined). */
async function eventTimes(cb: Classbell, events: { sid: number; id: string }[]): Promise<(EventTimes | undefined)[]> {
  const redis = benchRedis();
  try {
    const out: (EventTimes | undefined)[] = [];
    for (let i = 0; i < events.length; i += 1000) {
      const pipeline = redis.pipeline();
      for (const e of events.slice(i, i + 1000)) pipeline.hmget(cb.deps.keys.event(e.sid, e.id), 'at', 'att', 'dAt');
      for (const [error, reply] of (await pipeline.exec()) ?? []) {
        const [at, att, dAt] = (error ? [] : reply) as (string | null)[];
        if (!at) {
          out.push(undefined);
          continue;
        }
        // A record without its attempt or settle time (not kept by some delivery path): NaN, left out of those stages.
        const attempt = att ? (JSON.parse(att) as { at: string; durationMs: number }[])[0] : undefined;
        const pushSentMs = attempt ? Date.parse(attempt.at) : NaN;
        out.push({ acceptedMs: Number(at), pushSentMs, ackMs: pushSentMs + (attempt?.durationMs ?? NaN), settledMs: dAt ? Number(dAt) : NaN });
      }
    }
    return out;
  } finally {
    redis.disconnect();
  }
}

/** The sid an assigned event id carries (ev_<sid>_…). */
const sidOf = (id: string) => Number(/^ev_(\d+)_/.exec(id)?.[1] ?? NaN);

/** Margin after the stream's first entry before an event counts as sampled (its job's entries are all there). */
const WINDOW_MARGIN_MS = 50;

/** One event of the phase: its id, school, 202 (epoch ms) and arrival at the receiver (undefined: never seen). */
export interface PhaseEvent {
  id: string;
  sid: number;
  at202: number;
  arrivedAt: number | undefined;
}

/**
 * The stage figures from what was read: each event's record times (undefined: unreadable), the
 * drain jobs by school (sorted by activeMs) and the first ms the events stream still covers.
 */
export function stagesOf(events: PhaseEvent[], times: (EventTimes | undefined)[], bySid: Map<number, DrainJobTimes[]>, fromMs: number): LatencyStages {
  const s = {
    jobAddedFrom202: [] as number[], addedToActive: [] as number[], activeToPushSent: [] as number[],
    from202ToPushSent: [] as number[], pushSentToAck: [] as number[], pushSentToArrival: [] as number[], ackToSettled: [] as number[], from202ToAck: [] as number[],
  };
  let sampled = 0;
  let woken = 0;
  let unreadable = 0;
  const add = (list: number[], value: number) => {
    if (Number.isFinite(value)) list.push(value);
  };
  events.forEach((e, i) => {
    const t = times[i];
    if (!t || e.arrivedAt === undefined) {
      unreadable++;
      return;
    }
    add(s.from202ToPushSent, t.pushSentMs - e.at202);
    add(s.pushSentToAck, t.ackMs - t.pushSentMs);
    add(s.pushSentToArrival, e.arrivedAt - t.pushSentMs);
    add(s.ackToSettled, t.settledMs - t.ackMs);
    add(s.from202ToAck, t.ackMs - e.at202);
    if (t.acceptedMs < fromMs + WINDOW_MARGIN_MS) return;
    // The drain job that pushed it: the school's last job to become active before the push (or,
    // without a recorded push time, before the push arrived).
    const pushedMs = Number.isFinite(t.pushSentMs) ? t.pushSentMs : e.arrivedAt;
    const job = (bySid.get(e.sid) ?? []).filter((j) => j.activeMs <= pushedMs).pop();
    sampled++;
    // No job of the school started in the window before the push: a drain that started earlier
    // pushed it (still draining, or waiting on the empty outbox and woken through Pub/Sub).
    if (!job) return;
    // Added at or after the event's acceptance: the job was added for it (its school's drain was idle).
    if (job.addedMs < t.acceptedMs) return;
    woken++;
    add(s.jobAddedFrom202, job.addedMs - e.at202);
    add(s.addedToActive, job.activeMs - job.addedMs);
    add(s.activeToPushSent, t.pushSentMs - job.activeMs);
  });
  return {
    events: events.length, sampled, wokenShare: sampled > 0 ? woken / sampled : NaN,
    jobAddedFrom202: figures(s.jobAddedFrom202), addedToActive: figures(s.addedToActive), activeToPushSent: figures(s.activeToPushSent),
    from202ToPushSent: figures(s.from202ToPushSent), pushSentToAck: figures(s.pushSentToAck), pushSentToArrival: figures(s.pushSentToArrival),
    ackToSettled: figures(s.ackToSettled), from202ToAck: figures(s.from202ToAck),
    unreadable,
  };
}

/**
 * Reads the records after a phase and returns its stages; the drain jobs from the entries an
 * EventsRecorder copied during the phase, else from what the capped stream still holds.
 */
export async function latencyStages(cb: Classbell, timings: IngestTiming[], arrivedAt: Map<string, number>, recorded?: RecordedStream): Promise<LatencyStages> {
  const events = timings.flatMap((t) => t.ids.map((id) => ({ id, sid: sidOf(id), at202: t.ackMs, arrivedAt: arrivedAt.get(id) })));
  const [times, entries] = await Promise.all([eventTimes(cb, events), recorded?.entries ?? streamNow(cb)]);
  const { bySid, fromMs } = drainJobsOf(entries, recorded?.fromMs);
  return stagesOf(events, times, bySid, fromMs);
}
