import { describe, expect, it } from 'vitest';
import { parseIngestBody } from '../../src/domain/events.js';
import { INT32_MAX } from '../../src/domain/event-schemas/common.js';

/**
 * ClassIn types these wire fields Int32 (issue 14 point 8): a fraction, or a number past 32 bits,
 * would reach a strictly typed receiver as a value it cannot decode. Each is a 400 naming the field.
 * [type, a valid event of it, path of the Int32 field, how to set that field]
 */
const c = { classId: 51345 };
const INT32_FIELDS: [string, Record<string, unknown>, string, (e: Record<string, unknown>, v: number) => Record<string, unknown>][] = [
  ...(['x1', 'y1', 'x2', 'y2'] as const).map((k): [string, Record<string, unknown>, string, (e: Record<string, unknown>, v: number) => Record<string, unknown>] => [
    'camera_position', { ...c, type: 'camera_position', uid: 7, area: { x1: 0, y1: 0, x2: 640, y2: 360 }, onTop: true, channel: 0 },
    `area.${k}`, (e, v) => ({ ...e, area: { ...(e.area as object), [k]: v } }),
  ]),
  ['reward', { ...c, type: 'reward', uid: 7, times: 1 }, 'times', (e, v) => ({ ...e, times: v })],
  ['kick_out', { ...c, type: 'kick_out', targetUid: 7, durationS: 60 }, 'durationS', (e, v) => ({ ...e, durationS: v })],
  ['class_extended', { ...c, type: 'class_extended', startTime: 1562835600, lengthS: 3900, closeDelayS: 300 }, 'lengthS', (e, v) => ({ ...e, lengthS: v })],
  ['class_extended', { ...c, type: 'class_extended', startTime: 1562835600, lengthS: 3900, closeDelayS: 300 }, 'closeDelayS', (e, v) => ({ ...e, closeDelayS: v })],
  ['blackboard_image', { ...c, type: 'blackboard_image', url: 'https://img.example.com/b.png', groupId: 3 }, 'groupId', (e, v) => ({ ...e, groupId: v })],
  ['selector', { ...c, type: 'selector', phase: 'question', curState: 1 }, 'curState', (e, v) => ({ ...e, curState: v })],
  ['responder', { ...c, type: 'responder', phase: 'question', curState: 1, nId: 7 }, 'nId', (e, v) => ({ ...e, nId: v })],
  ['rating', { ...c, type: 'rating', tuid: 7, comments: { 8: { account: 'a', s2t: { comment: 'ok', score: 5 } } } }, 'comments["8"].s2t.score',
    (e, v) => ({ ...e, comments: { 8: { account: 'a', s2t: { comment: 'ok', score: v } } } })],
  ['recording_file', { ...c, type: 'recording_file', vUrl: 'https://v.example.com/1.mp4', vst: 1562835600, vet: 1562839200, duration: 3600, fileId: 1, size: 5 }, 'duration',
    (e, v) => ({ ...e, duration: v })],
  ['replay_client', { ...c, type: 'replay_client', uid: 7, totalDuration: 10, validWatchCount: 1, totalLookValidTime: 5 }, 'validWatchCount', (e, v) => ({ ...e, validWatchCount: v })],
  ['live_view', { ...c, type: 'live_view', telephone: '138', nickname: 'n', inTime: 1562835600, lookTime: 60, ip: '1.2.3.4', clientType: 1 }, 'lookTime',
    (e, v) => ({ ...e, lookTime: v })],
];

function problems(body: unknown): string[] {
  const result = parseIngestBody(body);
  return result.success ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('Int32 wire fields', () => {
  it.each(INT32_FIELDS)('%s: %s is an integer within 32 bits', (_type, event, path, set) => {
    expect(problems(event)).toEqual([]);
    expect(problems(set(event, 12.5))).toEqual([`${path}: must be an integer: ClassIn types this field Int32`]);
    // Past 32 bits: the Int32 bound, or a field's own tighter bound (a score is at most 100).
    const over = problems(set(event, INT32_MAX + 1));
    expect(over.length).toBeGreaterThan(0);
    expect(over.every((p) => p.startsWith(`${path}: `))).toBe(true);
    if (path.endsWith('score')) expect(over).toContain(`${path}: Too big: expected number to be <=100`);
    else expect(over).toEqual([`${path}: must fit in an Int32 (at most ${INT32_MAX})`]);
    expect(problems(set(event, 100))).toEqual([]); // a whole number in range passes
  });

  it('names the field inside a batch too', () => {
    const [, camera, , set] = INT32_FIELDS[0]!;
    expect(problems({ events: [camera, set(camera, 0.25)] })).toEqual(['events[1].area.x1: must be an integer: ClassIn types this field Int32']);
  });
});
