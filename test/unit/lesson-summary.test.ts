import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ClassEvent } from '../../src/domain/events.js';
import {
  computeLessonSummary,
  lessonEndTime,
  orderLessonEvents,
  type LessonSummaryData,
  type LessonSummaryInput,
} from '../../src/domain/lesson-summary.js';

// Lesson: starts at S, CloseTime (overtime included) = S + 4800, so the lesson time is 4800 s.
const S = 1562838000;
const CLOSE = S + 4800;
const LESSON_S = 4800;
const TEACHER = 1000;
const ANN = 1001;
const BOB = 1002;

/** Builds events with unique ids e1, e2, … in the order written. */
function events(...build: ((id: string) => ClassEvent)[]): ClassEvent[] {
  return build.map((make, i) => make(`e${i + 1}`));
}
const common = (id: string, t: number) => ({ id, sid: 257, classId: 51345, actionTime: t });
type Ev = (id: string) => ClassEvent;
const enter =
  (t: number, uid: number, o: { identity?: 1 | 3; device?: number; clientId?: 0 | 1 } = {}): Ev =>
  (id) => ({ ...common(id, t), type: 'enter', uid, nickName: `u${uid}`, identity: o.identity ?? 1, device: o.device ?? 3, ...(o.clientId === undefined ? {} : { clientId: o.clientId }) });
const exit =
  (t: number, uid: number, clientId?: 0 | 1, identity: 1 | 3 = 1): Ev =>
  (id) => ({ ...common(id, t), type: 'exit', uid, identity, reason: 1, ...(clientId === undefined ? {} : { clientId }) });
const hand = (t: number, uid: number, up: boolean): Ev => (id) => ({ ...common(id, t), type: 'hands_up', uid, up });
const stage = (t: number, uid: number, up: boolean): Ev => (id) => ({ ...common(id, t), type: 'stage', uid, up });
const reward = (t: number, uid: number, times: number): Ev => (id) => ({ ...common(id, t), type: 'reward', uid, times });
const mute = (t: number, targetUid: number, muted: boolean): Ev => (id) => ({ ...common(id, t), type: 'mute', targetUid, muted });
const muteAll = (t: number, muted: boolean): Ev => (id) => ({ ...common(id, t), type: 'mute_all', muted });
const kick = (t: number, targetUid: number, durationS: number): Ev => (id) => ({ ...common(id, t), type: 'kick_out', targetUid, durationS });
const grant = (t: number, targetUid: number, granted: boolean): Ev => (id) => ({ ...common(id, t), type: 'authorize', targetUid, granted });

function summarise(evs: ClassEvent[], realCloseTime?: number): LessonSummaryData {
  const summary = computeLessonSummary({ startTime: S, closeTime: CLOSE, realCloseTime, events: evs });
  if (!summary) throw new Error('expected a summary');
  return summary.Data;
}

interface Case {
  name: string;
  events: ClassEvent[];
  realCloseTime?: number;
  expected: Partial<LessonSummaryData>;
}

const cases: Case[] = [
  {
    name: 'PROTOCOL example: on stage from entry, present the whole class, the stage cleared at close',
    events: events(enter(S - 300, ANN), stage(CLOSE, ANN, false)),
    expected: {
      stageEnd: { [ANN]: { UpCount: 1, UpTotal: LESSON_S, DownCount: 0, DownTotal: 0 } },
      inoutEnd: { [ANN]: { Total: LESSON_S, Details: [{ Type: 'In', Device: 3, Time: S - 300 }, { Type: 'Out', Time: CLOSE }], Identity: 1 } },
    },
  },
  {
    name: 'on stage from entry, taken down mid-class',
    events: events(enter(S, ANN), stage(S + 1000, ANN, false)),
    expected: { stageEnd: { [ANN]: { UpCount: 1, UpTotal: 1000, DownCount: 1, DownTotal: 3800 } } },
  },
  {
    name: 'stage time stops while out of the room and resumes on return',
    // up [100,500] + [700,1000] = 700; down while present [0,100] + [1000,4800] = 3900
    events: events(enter(S, ANN), stage(S + 100, ANN, true), exit(S + 500, ANN), enter(S + 700, ANN), stage(S + 1000, ANN, false)),
    expected: { stageEnd: { [ANN]: { UpCount: 1, UpTotal: 700, DownCount: 1, DownTotal: 3900 } } },
  },
  {
    name: 'a hand raised and lowered within a second counts 0 s; a hand still raised at close is lowered there',
    // [200,230] = 30, [4000,4800] = 800
    events: events(enter(S, ANN), hand(S + 100, ANN, true), hand(S + 100, ANN, false), hand(S + 200, ANN, true), hand(S + 230, ANN, false), hand(S + 4000, ANN, true)),
    expected: { handsupEnd: { [ANN]: { CTime: 830, Total: 3 } } },
  },
  {
    name: 'a hand raised at exit is lowered there; raising again while raised is not a new raise',
    events: events(enter(S, ANN), hand(S + 500, ANN, true), hand(S + 520, ANN, true), exit(S + 560, ANN), enter(S + 600, ANN)),
    expected: { handsupEnd: { [ANN]: { CTime: 60, Total: 1 } } },
  },
  {
    name: 'a hand raised before the start counts from the start',
    events: events(enter(S - 600, ANN), hand(S - 100, ANN, true), hand(S + 50, ANN, false)),
    expected: { handsupEnd: { [ANN]: { CTime: 50, Total: 1 } } },
  },
  {
    name: 'users still inside at close are counted out at close',
    events: events(enter(S, TEACHER, { identity: 3, device: 0 }), enter(S + 60, ANN), exit(S + 3000, TEACHER, undefined, 3)),
    expected: {
      inoutEnd: {
        [TEACHER]: { Total: 3000, Details: [{ Type: 'In', Device: 0, Time: S }, { Type: 'Out', Time: S + 3000 }], Identity: 3 },
        [ANN]: { Total: 4740, Details: [{ Type: 'In', Device: 3, Time: S + 60 }, { Type: 'Out', Time: CLOSE }], Identity: 1 },
      },
    },
  },
  {
    name: 'a user who exits and re-enters has two In/Out pairs',
    events: events(enter(S, ANN), exit(S + 1000, ANN), enter(S + 1500, ANN, { device: 1 }), exit(S + 2000, ANN)),
    expected: {
      inoutEnd: {
        [ANN]: {
          Total: 1500,
          Details: [
            { Type: 'In', Device: 3, Time: S },
            { Type: 'Out', Time: S + 1000 },
            { Type: 'In', Device: 1, Time: S + 1500 },
            { Type: 'Out', Time: S + 2000 },
          ],
          Identity: 1,
        },
      },
    },
  },
  {
    name: 'two devices: present while either is inside; a reconnect of a device inside adds nothing',
    events: events(enter(S, ANN), enter(S + 50, ANN), enter(S + 100, ANN, { clientId: 1, device: 1 }), exit(S + 200, ANN, 0), exit(S + 300, ANN, 1), exit(S + 400, ANN)),
    expected: {
      inoutEnd: {
        [ANN]: {
          Total: 300,
          Details: [
            { Type: 'In', Device: 3, Time: S },
            { Type: 'In', Device: 1, Time: S + 100 },
            { Type: 'Out', Time: S + 200 },
            { Type: 'Out', Time: S + 300 },
          ],
          Identity: 1,
        },
      },
    },
  },
  {
    name: 'Identity is the latest one (a role change re-enters with the new identity)',
    events: events(enter(S, ANN), exit(S + 100, ANN), enter(S + 100, ANN, { identity: 3 })),
    expected: {
      inoutEnd: {
        [ANN]: {
          Total: LESSON_S,
          Details: [{ Type: 'In', Device: 3, Time: S }, { Type: 'Out', Time: S + 100 }, { Type: 'In', Device: 3, Time: S + 100 }, { Type: 'Out', Time: CLOSE }],
          Identity: 3,
        },
      },
    },
  },
  {
    name: 'early close via realCloseTime: the end is RealCloseTime, later events are ignored',
    realCloseTime: S + 1800,
    events: events(enter(S, ANN), hand(S + 1700, ANN, true), reward(S + 1900, ANN, 1), exit(S + 2000, ANN)),
    expected: {
      inoutEnd: { [ANN]: { Total: 1800, Details: [{ Type: 'In', Device: 3, Time: S }, { Type: 'Out', Time: S + 1800 }], Identity: 1 } },
      handsupEnd: { [ANN]: { CTime: 100, Total: 1 } },
      awardEnd: {},
    },
  },
  {
    name: 'a RealCloseTime after CloseTime: CloseTime is the end',
    realCloseTime: CLOSE + 600,
    events: events(enter(S, ANN)),
    expected: { inoutEnd: { [ANN]: { Total: LESSON_S, Details: [{ Type: 'In', Device: 3, Time: S }, { Type: 'Out', Time: CLOSE }], Identity: 1 } } },
  },
  {
    name: 'muting: Persons.Total = seconds present, not muted and not under mute-all',
    // Ann present [0,2000] + [2100,4800]; speaks [0,600] [900,1200] [1500,2000] [2100,4000] = 3300
    events: events(
      enter(S, ANN), enter(S, BOB), mute(S + 600, ANN, true), mute(S + 900, ANN, false),
      muteAll(S + 1200, true), muteAll(S + 1300, true), muteAll(S + 1500, false),
      exit(S + 2000, ANN), enter(S + 2100, ANN), muteAll(S + 4000, true),
    ),
    expected: { muteEnd: { Persons: { [ANN]: { Total: 3300 } }, MuteAll: { Count: 2, Total: 1100 } } },
  },
  {
    name: 'mute-all alone: muteEnd present with no Persons',
    events: events(enter(S, ANN), muteAll(S + 100, true), muteAll(S + 400, false)),
    expected: { muteEnd: { Persons: {}, MuteAll: { Count: 1, Total: 300 } } },
  },
  {
    name: 'rewards: the highest running total, or the number of rewards when higher',
    events: events(enter(S, ANN), reward(S + 10, ANN, 4), reward(S + 20, ANN, 5), reward(S + 30, BOB, 1), reward(S + 40, BOB, 1), reward(S + 50, BOB, 1)),
    expected: { awardEnd: { [ANN]: { Total: 5 }, [BOB]: { Total: 3 } } },
  },
  {
    name: 'kick-outs: one entry per kick, with its duration and time',
    events: events(enter(S, BOB), kick(S + 700, BOB, 600), exit(S + 700, BOB), enter(S + 1300, BOB), kick(S + 2000, BOB, 0)),
    expected: { kickoutEnd: { [BOB]: [{ Duration: 600, Time: S + 700 }, { Duration: 0, Time: S + 2000 }] } },
  },
  {
    name: 'authorisation ends on revoke, on exit and at close',
    // [100,400] = 300, [1000,1100] = 100 (exit), [4700,4800] = 100 (close)
    events: events(enter(S, ANN), grant(S + 100, ANN, true), grant(S + 400, ANN, false), grant(S + 1000, ANN, true), exit(S + 1100, ANN), enter(S + 1200, ANN), grant(S + 4700, ANN, true)),
    expected: { authorizeEnd: { [ANN]: { Count: 3, Total: 500 } } },
  },
  {
    name: 'duplicated events (same id) count once',
    events: [...events(enter(S, ANN), reward(S + 10, ANN, 1), hand(S + 20, ANN, true)), reward(S + 10, ANN, 1)('e2'), hand(S + 20, ANN, true)('e3'), enter(S, ANN)('e1')],
    expected: {
      awardEnd: { [ANN]: { Total: 1 } },
      handsupEnd: { [ANN]: { CTime: 4780, Total: 1 } },
      inoutEnd: { [ANN]: { Total: LESSON_S, Details: [{ Type: 'In', Device: 3, Time: S }, { Type: 'Out', Time: CLOSE }], Identity: 1 } },
    },
  },
];

describe('computeLessonSummary', () => {
  it.each(cases)('$name', ({ events: evs, realCloseTime, expected }) => {
    const data = summarise(evs, realCloseTime);
    for (const [key, value] of Object.entries(expected)) {
      expect(data[key as keyof LessonSummaryData], key).toEqual(value);
    }
  });

  it('a full class: every section, exact', () => {
    const summary = computeLessonSummary({
      startTime: S,
      closeTime: CLOSE,
      events: events(enter(S - 60, TEACHER, { identity: 3, device: 0 }), enter(S + 30, ANN), hand(S + 100, ANN, true), stage(S + 130, ANN, true), hand(S + 130, ANN, false), reward(S + 200, ANN, 1), stage(S + 400, ANN, false), exit(S + 4000, ANN)),
    });
    expect(summary).toEqual({
      StartTime: S,
      CloseTime: CLOSE,
      Data: {
        stageEnd: { [ANN]: { UpCount: 1, UpTotal: 270, DownCount: 1, DownTotal: 100 + 3600 } },
        handsupEnd: { [ANN]: { CTime: 30, Total: 1 } },
        inoutEnd: {
          [TEACHER]: { Total: LESSON_S, Details: [{ Type: 'In', Device: 0, Time: S - 60 }, { Type: 'Out', Time: CLOSE }], Identity: 3 },
          [ANN]: { Total: 3970, Details: [{ Type: 'In', Device: 3, Time: S + 30 }, { Type: 'Out', Time: S + 4000 }], Identity: 1 },
        },
        awardEnd: { [ANN]: { Total: 1 } },
        kickoutEnd: {},
        authorizeEnd: {},
      },
    });
    expect(JSON.stringify(summary?.Data.inoutEnd)).toMatch(/^\{"1000":/);
  });

  it('states RealCloseTime only when the class closed early', () => {
    const evs = events(enter(S, ANN));
    const early = computeLessonSummary({ startTime: S, closeTime: CLOSE, realCloseTime: S + 900, events: evs });
    expect(early).toMatchObject({ StartTime: S, CloseTime: CLOSE, RealCloseTime: S + 900 });
    const notEarly = computeLessonSummary({ startTime: S, closeTime: CLOSE, realCloseTime: 0, events: evs });
    expect(notEarly).not.toHaveProperty('RealCloseTime');
  });

  it('is null when nobody entered (or entered only after the end)', () => {
    expect(computeLessonSummary({ startTime: S, closeTime: CLOSE, events: [] })).toBeNull();
    expect(computeLessonSummary({ startTime: S, closeTime: CLOSE, events: events(hand(S + 10, ANN, true), exit(S + 20, ANN)) })).toBeNull();
    expect(computeLessonSummary({ startTime: S, closeTime: CLOSE, realCloseTime: S + 100, events: events(enter(S + 200, ANN)) })).toBeNull();
  });

  it('leaves muteEnd out when nobody was muted (unmutes alone mute nobody)', () => {
    expect(summarise(events(enter(S, ANN), hand(S + 5, ANN, true)))).not.toHaveProperty('muteEnd');
    expect(summarise(events(enter(S, ANN), mute(S + 5, ANN, false), muteAll(S + 6, false)))).not.toHaveProperty('muteEnd');
  });

  it('gives the same result for out-of-order input as for sorted input', () => {
    const sorted = events(enter(S, ANN), hand(S + 100, ANN, true), hand(S + 160, ANN, false), stage(S + 200, ANN, true), exit(S + 900, ANN), enter(S + 1000, ANN), stage(S + 1100, ANN, false));
    const shuffled = [sorted[4], sorted[6], sorted[0], sorted[2], sorted[5], sorted[1], sorted[3]] as ClassEvent[];
    expect(summarise(shuffled)).toEqual(summarise(sorted));
    expect(summarise([...sorted].reverse())).toEqual(summarise(sorted));
  });

  it('with an end before the start, every duration is 0', () => {
    const summary = computeLessonSummary({ startTime: S, closeTime: CLOSE, realCloseTime: S - 10, events: events(enter(S - 100, ANN)) });
    expect(summary?.Data.inoutEnd).toEqual({ [ANN]: { Total: 0, Details: [{ Type: 'In', Device: 3, Time: S - 100 }, { Type: 'Out', Time: S - 10 }], Identity: 1 } });
  });
});

describe('lessonEndTime / orderLessonEvents', () => {
  it.each([
    [CLOSE, undefined, CLOSE],
    [CLOSE, 0, CLOSE],
    [CLOSE, S + 100, S + 100],
    [CLOSE, CLOSE + 1, CLOSE],
  ])('closeTime %i, realCloseTime %j → %i', (close, real, end) => {
    expect(lessonEndTime(close, real)).toBe(end);
  });

  it('drops duplicate ids, sorts stably and leaves out events after the end', () => {
    const [a, b, c, d] = events(enter(S + 5, ANN), hand(S + 1, ANN, true), hand(S + 1, ANN, false), exit(S + 50, ANN));
    const ordered = orderLessonEvents([a, b, c, b, d] as ClassEvent[], S + 10);
    expect(ordered.map((e) => e.id)).toEqual(['e2', 'e3', 'e1']);
  });
});

// ---- properties ----

const UIDS = [ANN, BOB, 1003];
const eventMaker = fc.oneof(
  fc.record({ kind: fc.constant('enter' as const), uid: fc.constantFrom(...UIDS), clientId: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ kind: fc.constant('exit' as const), uid: fc.constantFrom(...UIDS), clientId: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ kind: fc.constant('hand' as const), uid: fc.constantFrom(...UIDS), on: fc.boolean() }),
  fc.record({ kind: fc.constant('stage' as const), uid: fc.constantFrom(...UIDS), on: fc.boolean() }),
  fc.record({ kind: fc.constant('mute' as const), uid: fc.constantFrom(...UIDS), on: fc.boolean() }),
  fc.record({ kind: fc.constant('muteAll' as const), on: fc.boolean() }),
  fc.record({ kind: fc.constant('grant' as const), uid: fc.constantFrom(...UIDS), on: fc.boolean() }),
  fc.record({ kind: fc.constant('reward' as const), uid: fc.constantFrom(...UIDS), times: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('kick' as const), uid: fc.constantFrom(...UIDS), times: fc.integer({ min: 0, max: 900 }) }),
);
type Maker = typeof eventMaker extends fc.Arbitrary<infer T> ? T : never;

function toEvent(m: Maker, t: number): Ev {
  switch (m.kind) {
    case 'enter': return enter(t, m.uid, { clientId: m.clientId });
    case 'exit': return exit(t, m.uid, m.clientId);
    case 'hand': return hand(t, m.uid, m.on);
    case 'stage': return stage(t, m.uid, m.on);
    case 'mute': return mute(t, m.uid, m.on);
    case 'muteAll': return muteAll(t, m.on);
    case 'grant': return grant(t, m.uid, m.on);
    case 'reward': return reward(t, m.uid, m.times);
    case 'kick': return kick(t, m.uid, m.times);
  }
}

/** Random classes: distinct action times from before the start to after the close. */
const classArb = fc
  .uniqueArray(fc.integer({ min: S - 600, max: CLOSE + 300 }), { minLength: 1, maxLength: 40 })
  .chain((times) =>
    fc.tuple(fc.constant(times), fc.array(eventMaker, { minLength: times.length, maxLength: times.length })),
  )
  .map(([times, makers]) => events(enter(S - 700, ANN), ...makers.map((m, i) => toEvent(m, times[i] ?? S))));

const inputOf = (evs: ClassEvent[], realCloseTime?: number): LessonSummaryInput => ({ startTime: S, closeTime: CLOSE, realCloseTime, events: evs });

describe('computeLessonSummary properties', () => {
  it('any permutation of events with distinct actionTimes gives the same summary', () => {
    fc.assert(
      fc.property(
        classArb.chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length, maxLength: evs.length }))),
        fc.option(fc.integer({ min: S, max: CLOSE }), { nil: undefined }),
        ([evs, permuted], realCloseTime) => {
          expect(computeLessonSummary(inputOf(permuted, realCloseTime))).toEqual(computeLessonSummary(inputOf(evs, realCloseTime)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stage time splits presence exactly; timed figures never exceed presence; Details pair up', () => {
    fc.assert(
      fc.property(classArb, (evs) => {
        const data = computeLessonSummary(inputOf(evs))?.Data;
        if (!data) throw new Error('Ann always enters');
        for (const [uid, inout] of Object.entries(data.inoutEnd)) {
          expect(inout.Total).toBeLessThanOrEqual(LESSON_S);
          expect(inout.Details.filter((d) => d.Type === 'In').length).toBe(inout.Details.filter((d) => d.Type === 'Out').length);
          const st = data.stageEnd[uid];
          if (st) expect(st.UpTotal + st.DownTotal).toBe(inout.Total);
          expect(data.handsupEnd[uid]?.CTime ?? 0).toBeLessThanOrEqual(inout.Total);
          expect(data.authorizeEnd[uid]?.Total ?? 0).toBeLessThanOrEqual(inout.Total);
          expect(data.muteEnd?.Persons[uid]?.Total ?? 0).toBeLessThanOrEqual(inout.Total);
        }
      }),
      { numRuns: 300 },
    );
  });
});
