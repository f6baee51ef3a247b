import { describe, it, expect } from 'vitest';
import { CATALOGUE, EVENT_TYPES } from '../../src/domain/catalogue.js';
import {
  ACCEPTED_EVENT_TYPES,
  eventInputSchema,
  formatPath,
  ingestBodySchema,
  lessonSummaryEventSchema,
  MAX_DATA_BYTES,
  normalizeEvent,
  normalizeLessonSummary,
  parseIngestBody,
  type EventInput,
} from '../../src/domain/events.js';

const valid: Record<EventInput['type'], Record<string, unknown>> = {
  hands_up: { type: 'hands_up', classId: 51345, uid: 1002647, up: true },
  reward: { type: 'reward', classId: 51345, uid: 1002647, times: 1 },
  camera_position: {
    type: 'camera_position',
    classId: 51345,
    uid: 1002647,
    area: { x1: 10, y1: 20, x2: 500, y2: 600 },
    onTop: true,
    channel: 1,
  },
  authorize: { type: 'authorize', classId: 51345, targetUid: 1002647, granted: true },
  enter: { type: 'enter', classId: 51345, uid: 1002647, nickName: 'Ming', identity: 193, device: 14 },
  exit: { type: 'exit', classId: 51345, uid: 1002647, identity: 1, reason: 111, clientId: 1 },
  kick_out: { type: 'kick_out', classId: 51345, targetUid: 1002647, durationS: 0 },
  mute: { type: 'mute', classId: 51345, targetUid: 1002647, muted: false },
  mute_all: { type: 'mute_all', classId: 51345, muted: true },
  stage: { type: 'stage', classId: 51345, uid: 1002647, up: false },
  selector: {
    type: 'selector',
    classId: 51345,
    phase: 'answer',
    uid: 1002647,
    selectedItem: 'A',
    commited: true,
    participants: [{ showName: 'Ming', uid: 1002647, identity: 1 }],
  },
  responder: { type: 'responder', classId: 51345, phase: 'question', curState: 1, nId: 7 },
  network: { type: 'network', classId: 51345, uid: 1002647, data: { total: 10, avgDelay: 42 } },
  network_sample: {
    type: 'network_sample',
    classId: 51345,
    uid: 1002647,
    rttMs: 42.5,
    lossPct: 0,
    quality: 'not_reach',
    cpuLevel: 'busy',
    socket: 'tcp',
    localIp: '10.0.0.2',
  },
  device_check: { type: 'device_check', classId: 51345, data: { CPU: 'M2', NetworkDelay: 30 } },
  help: { type: 'help', classId: 51345, uid: 1002647, message: 'No sound', userList: [1000001] },
  class_extended: { type: 'class_extended', classId: 51345, startTime: 1562835600, lengthS: 3900, closeDelayS: 300 },
  recording_started: { type: 'recording_started', classId: 51345, data: { live: 1 } },
  blackboard_image: { type: 'blackboard_image', classId: 51345, url: 'https://img.example.com/b.png', groupId: 3 },
  live_login: { type: 'live_login', classId: 51345, telephone: '138****0000', loginTime: 1562838000, nickname: 'Ming' },
  live_reserve: { type: 'live_reserve', classId: 51345, telephone: '13800000000', reserveTime: 1562830000 },
  live_view: {
    type: 'live_view',
    classId: 51345,
    telephone: '13800000000',
    nickname: 'Ming',
    inTime: 1562838000,
    lookTime: 600,
    ip: '203.0.113.5',
    clientType: 1,
  },
  live_like: { type: 'live_like', classId: 51345, telephone: '13800000000', time: 1562838100 },
  live_goods_click: {
    type: 'live_goods_click',
    classId: 51345,
    telephone: '13800000000',
    nickname: 'Ming',
    time: 1562838100,
    goodNum: 'G-17',
    goodName: 'Workbook',
  },
  chat_picture: { type: 'chat_picture', classId: 51345, uid: 1002647, url: 'https://img.example.com/c.jpg', time: 1562838100 },
  rating: {
    type: 'rating',
    classId: 51345,
    tuid: 1000001,
    comments: { '1002647': { account: '13800000000', s2t: { comment: 'Great', score: 5 } } },
  },
  recording_file: {
    type: 'recording_file',
    classId: 51345,
    vUrl: 'https://video.example.com/1.mp4',
    vst: 1562835600,
    vet: 1562839200,
    duration: 3600,
    fileId: 77,
    size: 1048576,
  },
  recording_uploaded: {
    type: 'recording_uploaded',
    classId: 51345,
    vUrl: 'https://video.example.com/1.mp4',
    duration: 3600,
    fileId: 77,
    size: 1048576,
  },
  edu_answers: { type: 'edu_answers', classId: 51345, data: { type: 1, questionList: [] } },
  replay_web: {
    type: 'replay_web',
    classId: 51345,
    telephone: '13800000000',
    nickname: 'Ming',
    inTime: 1562900000,
    lookTime: 60,
    ip: '203.0.113.5',
    clientType: 'web',
  },
  replay_client: {
    type: 'replay_client',
    classId: 51345,
    uid: 1002647,
    totalDuration: 1200,
    validWatchCount: 2,
    totalLookValidTime: 900,
  },
  chat_history: { type: 'chat_history', classId: 51345, url: 'https://files.example.com/chat.zip', timeStamp: 1562840000 },
  file_converted: { type: 'file_converted', data: { FileId: 9, Status: 1 } },
  device_check_outside: { type: 'device_check_outside', uid: 1002647, data: { CPU: 'M2' } },
  account_closed: { type: 'account_closed', uid: 1002647, data: {} },
  phone_changed: { type: 'phone_changed', uid: 1002647, data: { Telephone: '13900000000' } },
  sub_account_set: { type: 'sub_account_set', data: { Account: 'ming' } },
};

/** The catalogue types without a class: no classId. */
const schoolTypes = EVENT_TYPES.filter((t) => CATALOGUE[t].dimension === 'school');
/** The postable class-dimension types: classId required. */
const classTypes = ACCEPTED_EVENT_TYPES.filter((t) => CATALOGUE[t].dimension === 'class');

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

  it('accepts exactly the postable catalogue types, in catalogue order', () => {
    expect(ACCEPTED_EVENT_TYPES).toEqual(Object.keys(valid));
    expect(ACCEPTED_EVENT_TYPES).toEqual(EVENT_TYPES.filter((t) => CATALOGUE[t].postable));
  });
});

describe('parseIngestBody: invalid events', () => {
  it('names the valid types for an unknown, missing or computed type', () => {
    const names = `valid types: ${ACCEPTED_EVENT_TYPES.join(', ')}`;
    expect(names).toContain('hands_up, reward, camera_position,');
    expect(names).not.toContain('lesson_summary');
    expect(problems({ type: 'bogus', classId: 1 })).toEqual([`type: unknown type "bogus"; ${names}`]);
    expect(problems({ classId: 1 })).toEqual([`type: type is required; ${names}`]);
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

/** Just the paths of a body's problems. */
function paths(body: unknown): string[] {
  return problems(body).map((p) => p.slice(0, p.indexOf(': ')));
}

describe('parseIngestBody: each type rejects bad fields with their paths', () => {
  // [type, fields to override, paths expected]
  const bad: [EventInput['type'], Record<string, unknown>, string[]][] = [
    ['camera_position', { area: { x1: 0, y1: 0, x2: 1 }, onTop: 1, channel: 2 }, ['area.y2', 'onTop', 'channel']],
    ['camera_position', { area: { x1: 0, y1: 0, x2: 1, y2: 1, z: 0 } }, ['area.z']],
    ['selector', { phase: 'both', qSentTime: 1562838399000 }, ['phase', 'qSentTime']],
    ['selector', { participants: [{ showName: 'A', uid: 0, identity: 9 }] }, ['participants[0].uid', 'participants[0].identity']],
    ['responder', { nId: 'x', fastestGuyTime: -1 }, ['nId', 'fastestGuyTime']],
    ['network', { data: [1, 2] }, ['data']],
    ['network', { data: { ok: true }, uid: 0 }, ['uid']],
    ['network_sample', { rttMs: 60001, lossPct: 101, quality: 'great', cpuLevel: 'idle' }, ['rttMs', 'lossPct', 'quality', 'cpuLevel']],
    ['network_sample', { socket: 'quic', localIp: 'x'.repeat(65), avgDelay: 3 }, ['socket', 'localIp', 'avgDelay']],
    ['network_sample', { uid: undefined }, ['uid']],
    ['device_check', { data: 'CPU ok' }, ['data']],
    ['help', { userList: [1, -2], message: 7 }, ['message', 'userList[1]']],
    ['class_extended', { lengthS: 0, closeDelayS: -1, startTime: undefined }, ['startTime', 'lengthS', 'closeDelayS']],
    ['recording_started', { data: null }, ['data']],
    ['blackboard_image', { url: 'ftp://x/y.png', groupId: -1 }, ['url', 'groupId']],
    ['blackboard_image', { url: 'not a url' }, ['url']],
    ['live_login', { telephone: 138, loginTime: 1562838000000 }, ['telephone', 'loginTime']],
    ['live_reserve', { reserveTime: 'soon' }, ['reserveTime']],
    ['live_view', { inTime: -5, lookTime: 1.5, ip: undefined, Intime: 1 }, ['inTime', 'lookTime', 'ip', 'Intime']],
    ['live_like', { time: undefined }, ['time']],
    ['live_goods_click', { goodNum: true, goodName: undefined }, ['goodNum', 'goodName']],
    ['chat_picture', { uid: 0, url: '' }, ['uid', 'url']],
    ['rating', { tuid: 0, comments: { abc: { account: 'a', t2s: { comment: 'c', score: 1 } } } }, ['tuid', 'comments.abc']],
    ['rating', { comments: { '1002647': { account: 'a' } } }, ['comments["1002647"]']],
    ['rating', { comments: { '1002647': { account: 'a', s2t: { comment: 'c', score: -1 }, x: 1 } } }, ['comments["1002647"].s2t.score', 'comments["1002647"].x']],
    ['recording_file', { vst: 1562835600000, size: -1, cidExt: 5 }, ['vst', 'size', 'cidExt']],
    ['recording_uploaded', { vUrl: undefined, fileId: 'f' }, ['vUrl', 'fileId']],
    ['edu_answers', { data: undefined }, ['data']],
    ['replay_web', { clientType: { web: true } }, ['clientType']],
    ['replay_client', { totalLookVaildTime: 1, latestDetails: {} }, ['latestDetails.triggerType', 'totalLookVaildTime']],
    ['chat_history', { timeStamp: 1562840000000, ChatTime: 1 }, ['timeStamp', 'ChatTime']],
    ['file_converted', { data: undefined, uid: -1 }, ['uid', 'data']],
    ['sub_account_set', { data: 1 }, ['data']],
  ];

  it.each(bad)('%s %j', (type, patch, expected) => {
    expect(paths({ ...valid[type], ...patch })).toEqual(expected);
  });

  it('selector and responder: an answer needs its uid, a question has none', () => {
    expect(problems({ ...valid.selector, uid: undefined })).toEqual(['uid: required when phase is "answer"']);
    expect(problems({ ...valid.responder, uid: 1002647 })).toEqual([
      'uid: only an answer (phase "answer") carries a uid',
    ]);
    // Reported together with the other problems of the event.
    expect(paths({ ...valid.responder, phase: 'answer', nId: 'x' })).toEqual(['nId', 'uid']);
    expect(parseIngestBody({ ...valid.responder, phase: 'answer', uid: 1002647 }).success).toBe(true);
  });

  it('rating: each comment needs t2s or s2t, and keys are uids', () => {
    expect(problems({ ...valid.rating, comments: { '1002647': { account: 'a' } } })).toEqual([
      'comments["1002647"]: needs t2s or s2t',
    ]);
    expect(problems({ ...valid.rating, comments: { '01': { account: 'a', s2t: { comment: '', score: 0 } } } })).toEqual([
      'comments["01"]: keys must be uids (digits)',
    ]);
  });

  it('blackboard_image: groupId defaults to 0 (the main room)', () => {
    const { groupId: _groupId, ...rest } = valid.blackboard_image;
    expect(eventInputSchema.parse(rest)).toEqual({ ...rest, groupId: 0 });
  });
});

describe('parseIngestBody: school-level and class types', () => {
  it.each(schoolTypes)('%s needs no classId, and refuses one (and a courseId or sourceUid)', (type) => {
    expect(parseIngestBody({ type, data: {} }).success).toBe(true);
    expect(paths({ type, data: {}, classId: 51345, courseId: 1, sourceUid: 0 })).toEqual([
      'classId',
      'courseId',
      'sourceUid',
    ]);
  });

  it.each(classTypes)('%s without classId is refused at path classId', (type) => {
    const { classId: _classId, ...rest } = valid[type as EventInput['type']];
    expect(problems(rest)).toContain('classId: Invalid input: expected number, received undefined');
    expect(problems({ events: [valid.mute_all, rest] })).toContain(
      'events[1].classId: Invalid input: expected number, received undefined',
    );
  });

  it('refuses a client-sent schedule: it is added by classbell from the course schedule', () => {
    expect(problems({ ...valid.hands_up, schedule: { startTime: 1, closeTime: 2 } })).toEqual(['schedule: unknown field']);
    expect(problems({ ...valid.file_converted, schedule: { startTime: 1, closeTime: 2 } })).toEqual([
      'schedule: unknown field',
    ]);
  });

  it('refuses posting a lesson summary, even a well-formed one', () => {
    const found = problems({ type: 'lesson_summary', classId: 51345, startTime: 1, closeTime: 2, data: {} });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^type: type "lesson_summary" is computed by classbell and cannot be posted;/);
  });
});

describe('free-form data', () => {
  /** An object nested `levels` deep, itself included: {a:{a:…{}}}. */
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = {};
    for (let i = 1; i < levels; i += 1) value = { a: value };
    return value;
  };

  it('passes any JSON object through as it is', () => {
    const data = { CPU: 'x', list: [1, { b: null }], '': true, 'odd key': 'é' };
    const parsed = eventInputSchema.parse({ ...valid.device_check, data });
    expect(parsed).toEqual({ ...valid.device_check, data });
  });

  it('allows 8 levels of nesting and refuses 9', () => {
    expect(parseIngestBody({ ...valid.edu_answers, data: nested(8) }).success).toBe(true);
    expect(problems({ ...valid.edu_answers, data: nested(9) })).toEqual(['data: must not nest deeper than 8 levels']);
    // Arrays count as levels too.
    expect(problems({ ...valid.network, data: { a: [[[[[[[[1]]]]]]]] } })).toEqual([
      'data: must not nest deeper than 8 levels',
    ]);
  });

  it(`allows ${MAX_DATA_BYTES} bytes of JSON and refuses more`, () => {
    const filler = (bytes: number) => ({ s: 'x'.repeat(bytes - '{"s":""}'.length) });
    expect(parseIngestBody({ ...valid.file_converted, data: filler(MAX_DATA_BYTES) }).success).toBe(true);
    expect(problems({ ...valid.file_converted, data: filler(MAX_DATA_BYTES + 1) })).toEqual([
      `data: must be at most 65536 bytes of JSON, got 65537`,
    ]);
    // Counted in UTF-8 bytes, not characters.
    expect(paths({ ...valid.file_converted, data: { s: 'é'.repeat(MAX_DATA_BYTES / 2) } })).toEqual(['data']);
  });
});

describe('lessonSummaryEventSchema', () => {
  const summary = {
    type: 'lesson_summary',
    classId: 51345,
    courseId: 18041431,
    startTime: 1562835600,
    closeTime: 1562840400,
    realCloseTime: 1562839000,
    data: { awardEnd: { '1002647': { Total: 2 } } },
  };

  it('accepts a computed summary and normalises it like a posted event', () => {
    const input = lessonSummaryEventSchema.parse(summary);
    expect(input).toEqual(summary);
    expect(normalizeLessonSummary(input, { sid: 257, id: 'end_257_51345', nowS: 1562841000 })).toEqual({
      ...summary,
      id: 'end_257_51345',
      sid: 257,
      actionTime: 1562841000,
    });
  });

  it('requires its times and class, and refuses unknown fields', () => {
    const result = lessonSummaryEventSchema.safeParse({ type: 'lesson_summary', data: {}, schedule: {} });
    expect(result.success).toBe(false);
    expect(result.error?.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : i.path))).toEqual([
      'classId',
      'startTime',
      'closeTime',
      'schedule',
    ]);
  });

  it('is not part of the postable union', () => {
    expect(eventInputSchema.safeParse(summary).success).toBe(false);
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

  it('attaches a copy of the class schedule to class events only', () => {
    const schedule = { startTime: 1562835600, closeTime: 1562839200 };
    const event = normalizeEvent(eventInputSchema.parse(valid.reward), { ...ctx, schedule });
    expect(event).toEqual({ ...valid.reward, id: 'evt_assigned', sid: 257, actionTime: 1700000000, schedule });
    expect('schedule' in event && event.schedule).not.toBe(schedule);
    const school = normalizeEvent(eventInputSchema.parse(valid.file_converted), { ...ctx, schedule });
    expect(school).not.toHaveProperty('schedule');
    expect(normalizeEvent(eventInputSchema.parse(valid.reward), ctx)).not.toHaveProperty('schedule');
  });

  it('refuses a schedule that is not unix seconds or closes before it starts', () => {
    const input = eventInputSchema.parse(valid.reward);
    expect(() => normalizeEvent(input, { ...ctx, schedule: { startTime: 10, closeTime: 9 } })).toThrow(RangeError);
    expect(() => normalizeEvent(input, { ...ctx, schedule: { startTime: 1.5, closeTime: 9 } })).toThrow(RangeError);
    expect(() => normalizeEvent(input, { ...ctx, schedule: { startTime: 0, closeTime: 1562839200000 } })).toThrow(RangeError);
  });
});

describe('schemas on non-object input', () => {
  it('every postable schema rejects null without throwing', async () => {
    const { EVENT_INPUT_SCHEMAS } = await import('../../src/domain/events.js');
    for (const schema of Object.values(EVENT_INPUT_SCHEMAS)) {
      expect(schema!.safeParse(null).success).toBe(false);
      expect(schema!.safeParse('x').success).toBe(false);
    }
  });
});
