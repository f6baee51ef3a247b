import { describe, it, expect } from 'vitest';
import type { z } from 'zod';
import { CATALOGUE, EVENT_TYPES, isEventType } from '../../src/domain/catalogue.js';
import { ACCEPTED_EVENT_TYPES, EVENT_INPUT_SCHEMAS } from '../../src/domain/events.js';
import { WIRE_TYPES } from '../../src/domain/wire.js';

describe('catalogue', () => {
  it('lists every type of API.md with its Cmd', () => {
    const cmds = Object.fromEntries(EVENT_TYPES.map((t) => [t, CATALOGUE[t].cmd]));
    expect(cmds).toEqual({
      hands_up: 67375105,
      reward: 67375105,
      camera_position: 67375105,
      authorize: 67371520,
      enter: 67371107,
      exit: 67371111,
      kick_out: 67371523,
      mute: 67371522,
      mute_all: 67371586,
      stage: 67371521,
      selector: 67375105,
      responder: 67375105,
      network: 'Net',
      network_sample: 'Net',
      device_check: 'Check',
      help: 'HelpInfo',
      class_extended: 'ClassLen',
      recording_started: 'LiveDetail',
      blackboard_image: 'EdbImg',
      live_login: 'LiveWebLogin',
      live_reserve: 'LiveReserve',
      live_view: 'LiveDataDetail',
      live_like: 'LiveLike',
      live_goods_click: 'LiveGoodsClickDetail',
      chat_picture: 'ChatPicture',
      lesson_summary: 'End',
      rating: 'Rating',
      recording_file: 'Record',
      recording_uploaded: 'Upload',
      edu_answers: 'EduDt',
      replay_web: 'ReplayDataDetail',
      replay_client: 'ClientPlaybackDataDetail',
      chat_history: 'ChatContent',
      file_converted: 'FileCov',
      device_check_outside: 'UserCheck',
      account_closed: 'AccountCancellation',
      phone_changed: 'ReplacePhoneNumber',
      sub_account_set: 'setSubAccount',
    });
  });

  it('marks only the computed lesson summary as not postable', () => {
    expect(EVENT_TYPES.filter((t) => !CATALOGUE[t].postable)).toEqual(['lesson_summary']);
  });

  it('classifies dimension and timing', () => {
    expect(EVENT_TYPES.filter((t) => CATALOGUE[t].dimension === 'school')).toEqual([
      'file_converted',
      'device_check_outside',
      'account_closed',
      'phone_changed',
      'sub_account_set',
    ]);
    expect(EVENT_TYPES.filter((t) => CATALOGUE[t].timing === 'after_class')).toEqual([
      'lesson_summary',
      'rating',
      'recording_file',
      'recording_uploaded',
      'edu_answers',
      'replay_web',
      'replay_client',
      'chat_history',
    ]);
  });

  it('folds raw network samples into the network report', () => {
    expect(CATALOGUE.network_sample.aggregatedInto).toBe('network');
    for (const t of EVENT_TYPES) {
      const target = CATALOGUE[t].aggregatedInto;
      if (target !== undefined) expect(isEventType(target)).toBe(true);
    }
  });

  it('recognises type names, own keys only', () => {
    expect(isEventType('hands_up')).toBe(true);
    expect(isEventType('lesson_summary')).toBe(true);
    expect(isEventType('Hands_Up')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    expect(isEventType('__proto__')).toBe(false);
    expect(isEventType(42)).toBe(false);
    expect(isEventType(undefined)).toBe(false);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CATALOGUE)).toBe(true);
    expect(Object.isFrozen(CATALOGUE.hands_up)).toBe(true);
    expect(Object.isFrozen(EVENT_TYPES)).toBe(true);
    expect(() => {
      (CATALOGUE.hands_up as { cmd: number | string }).cmd = 1;
    }).toThrow(TypeError);
  });

  // Adding a catalogue row is adding a schema (events.ts) and a wire mapper (wire.ts).
  describe('every type is complete', () => {
    const postable = EVENT_TYPES.filter((t) => CATALOGUE[t].postable);

    it.each(postable)('%s has an ingest schema and a wire mapper', (type) => {
      expect(EVENT_INPUT_SCHEMAS[type]?.shape.type.value).toBe(type);
      expect(ACCEPTED_EVENT_TYPES).toContain(type);
      expect(WIRE_TYPES).toContain(type);
    });

    it('accepts no type that is not postable, and maps every type', () => {
      expect(ACCEPTED_EVENT_TYPES).toEqual(postable);
      expect([...WIRE_TYPES].sort()).toEqual([...EVENT_TYPES].sort());
    });

    it.each(postable)('%s requires classId exactly when its dimension is class', (type) => {
      const shape: Readonly<Record<string, z.ZodType>> = EVENT_INPUT_SCHEMAS[type]?.shape ?? {};
      const classField = shape.classId;
      if (CATALOGUE[type].dimension === 'class') expect(classField?.safeParse(undefined).success).toBe(false);
      else expect(classField).toBeUndefined();
    });
  });
});
