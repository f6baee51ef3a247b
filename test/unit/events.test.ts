import { describe, it, expect } from 'vitest';
import {
  ACCEPTED_EVENT_TYPES,
  eventInputSchema,
  formatPath,
  ingestBodySchema,
  normalizeEvent,
  parseIngestBody,
  type EventInput,
} from '../../src/domain/events.js';

const valid: Record<EventInput['type'], Record<string, unknown>> = {
  hands_up: { type: 'hands_up', classId: 51345, uid: 1002647, up: true },
  reward: { type: 'reward', classId: 51345, uid: 1002647, times: 1 },
  authorize: { type: 'authorize', classId: 51345, targetUid: 1002647, granted: true },
  enter: { type: 'enter', classId: 51345, uid: 1002647, nickName: 'Ming', identity: 193, device: 14 },
  exit: { type: 'exit', classId: 51345, uid: 1002647, identity: 1, reason: 111, clientId: 1 },
  kick_out: { type: 'kick_out', classId: 51345, targetUid: 1002647, durationS: 0 },
  mute: { type: 'mute', classId: 51345, targetUid: 1002647, muted: false },
  mute_all: { type: 'mute_all', classId: 51345, muted: true },
  stage: { type: 'stage', classId: 51345, uid: 1002647, up: false },
};

/** The problems of a body, as `path: message` for compact expectations. */
function problems(body: unknown): string[] {
  const result = parseIngestBody(body);
  if (result.success) throw new Error('expected the body to be invalid');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('eventInputSchema: valid events', () => {
  it.each(Object.entries(valid))('accepts %s', (_type, event) => {
    expect(eventInputSchema.parse(event)).toEqual(event);
  });

  it('accepts every common field and sourceUid 0 (the service itself)', () => {
    const event = {
      ...valid.hands_up,
      id: 'app-1:evt_2.x',
      sid: 257,
      courseId: 18041431,
      actionTime: 1562838399,
      sourceUid: 0,
    };
    expect(eventInputSchema.parse(event)).toEqual(event);
    expect(eventInputSchema.parse({ ...event, id: 'a'.repeat(128) }).id).toHaveLength(128);
  });

  it('accepts exactly the nine core types for now', () => {
    expect(ACCEPTED_EVENT_TYPES).toEqual(Object.keys(valid));
  });
});

describe('parseIngestBody: invalid events', () => {
  it('names the valid types for an unknown, missing, not-yet-supported or computed type', () => {
    const names = 'valid types: hands_up, reward, authorize, enter, exit, kick_out, mute, mute_all, stage';
    expect(problems({ type: 'bogus', classId: 1 })).toEqual([`type: unknown type "bogus"; ${names}`]);
    expect(problems({ classId: 1 })).toEqual([`type: type is required; ${names}`]);
    expect(problems({ type: 'rating', classId: 1 })).toEqual([`type: type "rating" cannot be posted yet; ${names}`]);
    expect(problems({ type: 'lesson_summary', classId: 1 })).toEqual([
      `type: type "lesson_summary" is computed by classbell and cannot be posted; ${names}`,
    ]);
  });

  it('reports every problem of one event with its path', () => {
    const paths = parseIngestBody({
      type: 'enter',
      id: 'has space',
      sid: 0,
      courseId: -1,
      actionTime: 1.5,
      sourceUid: -1,
      uid: 2 ** 53,
      nickName: '',
      identity: 5,
      device: 15,
      clientId: 2,
      loginMobile: 1,
    });
    expect(paths.success ? [] : paths.problems.map((p) => p.path)).toEqual([
      'id',
      'sid',
      'courseId',
      'actionTime',
      'classId',
      'sourceUid',
      'uid',
      'nickName',
      'identity',
      'device',
      'clientId',
      'loginMobile',
    ]);
  });

  it('requires classId on in-class types', () => {
    expect(problems({ type: 'mute_all', muted: true })).toEqual([
      'classId: Invalid input: expected number, received undefined',
    ]);
  });

  it('rejects unknown fields, one problem per field', () => {
    expect(problems({ ...valid.stage, Operation: 1, 'odd key': true })).toEqual([
      'Operation: unknown field',
      '["odd key"]: unknown field',
    ]);
  });

  it('checks value domains', () => {
    expect(problems({ ...valid.reward, times: 0 })).toEqual(['times: Too small: expected number to be >=1']);
    expect(problems({ ...valid.hands_up, up: 'true' })).toEqual(['up: Invalid input: expected boolean, received string']);
    expect(problems({ ...valid.exit, reason: 9 })).toHaveLength(1);
    expect(problems({ ...valid.hands_up, id: 'x'.repeat(129) })).toEqual([
      'id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : -',
    ]);
    expect(problems({ ...valid.hands_up, actionTime: 1562838399000 })).toEqual([
      'actionTime: must be unix seconds, not milliseconds',
    ]);
    expect(problems({ ...valid.kick_out, durationS: -1 })).toHaveLength(1);
    expect(problems({ ...valid.mute, targetUid: 0 })).toHaveLength(1);
  });

  it('rejects a body that is not an object', () => {
    expect(problems(42)).toEqual([': Invalid input: expected object, received number']);
    expect(parseIngestBody([valid.stage]).success).toBe(false);
    expect(parseIngestBody(null).success).toBe(false);
  });
});

describe('parseIngestBody: batches', () => {
  it('accepts a single event and a batch', () => {
    expect(parseIngestBody(valid.mute)).toEqual({ success: true, events: [valid.mute], batch: false });
    const events = Object.values(valid);
    expect(parseIngestBody({ events })).toEqual({ success: true, events, batch: true });
  });

  it('reports problems inside a batch as events[i].field', () => {
    const events = [valid.hands_up, valid.reward, valid.stage, { ...valid.hands_up, uid: 'x', extra: 1 }, { type: 'nope' }];
    const found = problems({ events });
    expect(found.map((p) => p.split(':')[0])).toEqual(['events[3].uid', 'events[3].extra', 'events[4].type']);
  });

  it('accepts 500 events and rejects 501 or none', () => {
    const many = (n: number) => ({ events: Array.from({ length: n }, () => valid.mute_all) });
    expect(parseIngestBody(many(500)).success).toBe(true);
    expect(problems(many(501))).toEqual(['events: must hold at most 500 events']);
    expect(problems(many(0))).toEqual(['events: must hold at least one event']);
  });

  it('rejects unknown top-level fields and a non-array events', () => {
    expect(problems({ events: [valid.stage], sid: 1 })).toEqual(['sid: unknown field']);
    expect(problems({ events: 'x' })).toEqual(['events: Invalid input: expected array, received string']);
  });

  it('ingestBodySchema accepts both forms', () => {
    expect(ingestBodySchema.safeParse(valid.enter).success).toBe(true);
    expect(ingestBodySchema.safeParse({ events: [valid.enter, valid.exit] }).success).toBe(true);
    expect(ingestBodySchema.safeParse({ events: [] }).success).toBe(false);
    expect(ingestBodySchema.safeParse({ type: 'bogus' }).success).toBe(false);
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and odd keys quoted', () => {
    expect(formatPath(['events', 3, 'uid'])).toBe('events[3].uid');
    expect(formatPath([])).toBe('');
    expect(formatPath([0])).toBe('[0]');
    expect(formatPath(['a-b'])).toBe('["a-b"]');
  });
});

describe('normalizeEvent', () => {
  const ctx = { sid: 257, id: 'evt_assigned', nowS: 1700000000 };

  it('fills id, sid and actionTime when absent', () => {
    const event = normalizeEvent(eventInputSchema.parse(valid.hands_up), ctx);
    expect(event).toEqual({ ...valid.hands_up, id: 'evt_assigned', sid: 257, actionTime: 1700000000 });
  });

  it('keeps the values the event brings', () => {
    const input = eventInputSchema.parse({ ...valid.stage, id: 'mine', sid: 300, actionTime: 1562838399 });
    const event = normalizeEvent(input, ctx);
    expect([event.id, event.sid, event.actionTime]).toEqual(['mine', 300, 1562838399]);
    // The discriminant still narrows the normalised event.
    if (event.type === 'stage') expect(event.up).toBe(false);
  });

  it('does not mutate its input', () => {
    const input = eventInputSchema.parse(valid.reward);
    normalizeEvent(input, ctx);
    expect(input).toEqual(valid.reward);
  });
});
