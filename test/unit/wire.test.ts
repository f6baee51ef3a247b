import { describe, it, expect } from 'vitest';
import { normalizeEvent, type EventInput } from '../../src/domain/events.js';
import { completeBody, testPushBody, toWire, wirePrefix } from '../../src/domain/wire.js';

const ctx = { sid: 257, id: 'evt_1', nowS: 1562838000 };
const base = { sid: 257, classId: 51345, courseId: 18041431, actionTime: 1562838399, id: 'evt_1' } as const;

/** Serialises the wire of a posted event, so the expectations pin key order too. */
function wireJson(input: EventInput): string {
  return JSON.stringify(toWire(normalizeEvent(input, ctx)));
}

describe('toWire', () => {
  it('hands_up', () => {
    expect(wireJson({ ...base, type: 'hands_up', uid: 1002647, up: true })).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"hands up1002647","UID":1002647,"Handsup":true,"_id":"evt_1"}',
    );
  });

  it('reward', () => {
    expect(wireJson({ ...base, type: 'reward', uid: 1002647, times: 3, sourceUid: 1000001 })).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"SourceUID":1000001,"Color":"award1002647","UID":1002647,"Times":3,"_id":"evt_1"}',
    );
  });

  it('authorize', () => {
    expect(wireJson({ ...base, type: 'authorize', targetUid: 1002647, granted: false })).toBe(
      '{"SID":257,"Cmd":67371520,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":1002647,"Operation":false,"_id":"evt_1"}',
    );
  });

  it('enter, with every optional field', () => {
    const input: EventInput = {
      ...base,
      type: 'enter',
      uid: 1002647,
      nickName: '小明',
      identity: 1,
      device: 3,
      clientId: 1,
      loginMobile: '13800000000',
      loginEmail: 'ming@example.com',
      allowEnterTime: 1562837800,
    };
    expect(wireJson(input)).toBe(
      '{"SID":257,"Cmd":67371107,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"NickName":"小明","Identity":1,"Device":3,"ClientID":1,"LoginMobile":"13800000000","LoginEmail":"ming@example.com","AllowEnterTime":1562837800,"_id":"evt_1"}',
    );
  });

  it('enter, optionals absent: ClientID defaults to 0, the rest are left out', () => {
    expect(wireJson({ type: 'enter', classId: 51345, uid: 1002647, nickName: 'Ming', identity: 3, device: 0 })).toBe(
      '{"SID":257,"Cmd":67371107,"ClassID":51345,"ActionTime":1562838000,"UID":1002647,"NickName":"Ming","Identity":3,"Device":0,"ClientID":0,"_id":"evt_1"}',
    );
  });

  it('exit', () => {
    expect(wireJson({ ...base, type: 'exit', uid: 1002647, identity: 1, reason: 60 })).toBe(
      '{"SID":257,"Cmd":67371111,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Identity":1,"ClientID":0,"Reason":60,"_id":"evt_1"}',
    );
  });

  it('kick_out', () => {
    expect(wireJson({ ...base, type: 'kick_out', targetUid: 1002647, durationS: 600, sourceUid: 0 })).toBe(
      '{"SID":257,"Cmd":67371523,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"SourceUID":0,"TargetUID":1002647,"Duration":600,"Operation":1,"_id":"evt_1"}',
    );
  });

  it('mute and unmute', () => {
    expect(wireJson({ ...base, type: 'mute', targetUid: 1002647, muted: true })).toBe(
      '{"SID":257,"Cmd":67371522,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":1002647,"Operation":1,"_id":"evt_1"}',
    );
    expect(wireJson({ ...base, type: 'mute', targetUid: 1002647, muted: false })).toBe(
      '{"SID":257,"Cmd":67371522,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":1002647,"Operation":0,"_id":"evt_1"}',
    );
  });

  it('mute_all', () => {
    expect(wireJson({ ...base, type: 'mute_all', muted: true })).toBe(
      '{"SID":257,"Cmd":67371586,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":0,"Operation":1,"_id":"evt_1"}',
    );
    expect(wireJson({ ...base, type: 'mute_all', muted: false })).toBe(
      '{"SID":257,"Cmd":67371586,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":0,"Operation":0,"_id":"evt_1"}',
    );
  });

  it('stage up and down', () => {
    expect(wireJson({ ...base, type: 'stage', uid: 1002647, up: true })).toBe(
      '{"SID":257,"Cmd":67371521,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Operation":1,"_id":"evt_1"}',
    );
    expect(wireJson({ ...base, type: 'stage', uid: 1002647, up: false })).toBe(
      '{"SID":257,"Cmd":67371521,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Operation":0,"_id":"evt_1"}',
    );
  });
});

describe('wirePrefix + completeBody', () => {
  const wire = toWire(normalizeEvent({ ...base, type: 'hands_up', uid: 1002647, up: true }, ctx));

  it('appends TimeStamp and SafeKey to the serialised wire', () => {
    const prefix = wirePrefix(wire);
    expect(prefix.endsWith('}')).toBe(false);
    const body = completeBody(prefix, 1562838400, '0123456789abcdef0123456789abcdef');
    expect(body).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"hands up1002647","UID":1002647,"Handsup":true,"_id":"evt_1","TimeStamp":1562838400,"SafeKey":"0123456789abcdef0123456789abcdef"}',
    );
    expect(JSON.parse(body)).toEqual({ ...wire, TimeStamp: 1562838400, SafeKey: '0123456789abcdef0123456789abcdef' });
  });

  it('reuses one prefix for many attempts', () => {
    const prefix = wirePrefix(wire);
    const first = JSON.parse(completeBody(prefix, 100, 'a')) as Record<string, unknown>;
    const second = JSON.parse(completeBody(prefix, 200, 'b')) as Record<string, unknown>;
    expect([first.TimeStamp, first.SafeKey, second.TimeStamp, second.SafeKey]).toEqual([100, 'a', 200, 'b']);
  });

  it('handles an empty wire and refuses a timestamp that is not an integer', () => {
    expect(JSON.parse(completeBody(wirePrefix({}), 1, 'k'))).toEqual({ TimeStamp: 1, SafeKey: 'k' });
    expect(() => completeBody('{"a":1', Number.NaN, 'k')).toThrow(RangeError);
    expect(() => completeBody('{"a":1', 1.5, 'k')).toThrow(RangeError);
  });
});

describe('testPushBody', () => {
  it('is exactly the ClassIn registration test', () => {
    expect(testPushBody(123456, 123456789, 'abc123')).toBe(
      '{"SID":123456,"Cmd":"Test","Msg":"Register test.","SafeKey":"abc123","TimeStamp":123456789}',
    );
  });
});
