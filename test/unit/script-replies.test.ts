/**
 * Every Lua script's one typed call decodes each reply its script can give into a typed result,
 * and refuses a reply of any other shape with a ScriptReplyError naming the script. The client is a
 * stub that answers a given raw reply (no Redis): this tests the decoders, and that each call runs
 * its own script. The scripts themselves are tested against the real Redis (test/integration).
 */
import { describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/lib/redis.js';
import { AccessScripts } from '../../src/store/access-scripts.js';
import { ClassScripts } from '../../src/store/class-scripts.js';
import { DrainScripts } from '../../src/store/drain-scripts.js';
import { Keys } from '../../src/store/keys.js';
import { OutboxScripts } from '../../src/store/outbox-scripts.js';
import { FencedQueueScripts } from '../../src/store/queue-scripts.js';
import { RoomScripts } from '../../src/store/room-scripts.js';
import { SchoolScripts } from '../../src/store/school-scripts.js';
import { SCRIPT_NAMES, scriptSha, type ScriptName } from '../../src/store/scripts.js';

const keys = new Keys('unit');

/** A client whose every script call answers `reply`; `ran` names the scripts it was asked to run. */
function stubClient(reply: unknown) {
  const byScript = new Map(SCRIPT_NAMES.map((name) => [scriptSha(name), name]));
  const ran: ScriptName[] = [];
  const redis = {
    evalsha: async (sha: string) => {
      ran.push(byScript.get(sha)!);
      return reply;
    },
  } as unknown as RedisClient;
  return { redis, ran };
}

interface Case {
  call(redis: RedisClient): Promise<unknown>;
  /** [raw reply, decoded result] */
  replies: [unknown, unknown][];
  /** Raw replies of a shape the script never gives. */
  malformed: unknown[];
}

const outbox = (r: RedisClient) => new OutboxScripts(r, keys);
const drain = (r: RedisClient) => new DrainScripts(r, keys);
const school = (r: RedisClient) => new SchoolScripts(r, keys);
const classes = (r: RedisClient) => new ClassScripts(r, keys);
const rooms = (r: RedisClient) => new RoomScripts(r, keys);
const access = (r: RedisClient) => new AccessScripts(r, keys);
const queue = (r: RedisClient) => new FencedQueueScripts(r, { lock: 'unit:lock', queue: 'unit:q' });

const event = { id: 'a', sid: '7', indexed: false, type: 'class_start', json: '{}', classKey: '', sampleKey: '' };
const settleItem = { sid: '7', token: 't', id: 'a', attempt: '{}', outcome: 'delivered', error: '' };
const flag = (call: Case['call']): Case => ({ call, replies: [[1, true], [0, false]], malformed: [2, '1', null, [1]] });

/** One case per script: the type makes a new script without a case a compile error. */
const cases: Record<ScriptName, Case> = {
  ingestEvents: {
    call: (r) => outbox(r).ingestEvents({ nowMs: 1, appId: 'app', retentionS: 60, mode: 'strict', events: [event] }),
    replies: [
      [['ok', ['a'], [], ['7', 3], [], ['7', '1000'], []], { kind: 'ok', accepted: ['a'], duplicates: [], wakes: [{ sid: 7, epoch: 3 }], samplesStarted: [], activity: [{ sid: 7, ms: 1000 }], skipped: [] }],
      [['no_school', '7'], { kind: 'no_school', sid: 7 }],
      [['id_taken', 'a'], { kind: 'id_taken', id: 'a' }],
    ],
    malformed: ['ok', ['ok'], ['accepted'], ['ok', ['a'], [], ['7'], [], [], []], ['ok', [1], [], [], [], [], []], ['no_school', 'x']],
  },
  settleHeads: {
    call: (r) => outbox(r).settleHeads({ nowMs: 1, retentionS: 60, attemptsKept: 5, items: [settleItem, settleItem] }),
    replies: [[[['ok'], ['retry', 2, 5]], [{ kind: 'ok' }, { kind: 'retry', headAttempts: 2, epoch: 5 }]], [[['stale'], ['held']], [{ kind: 'stale' }, { kind: 'held' }]]],
    malformed: [[['ok']], [['ok'], ['retry', '2', 5]], [['ok'], ['gone']], [['ok'], 'moved'], 'ok'],
  },
  fetchHead: {
    call: (r) => drain(r).fetchHead({ sid: 7, mode: 'next', check: 't', token: 't', batch: 8, nowMs: 1 }),
    replies: [
      [['idle'], { kind: 'idle' }],
      [['ok', 'http://r', 's', 'e1', '{}', '0', '17', 'e2', null, '2', '18'], {
        kind: 'ok', endpointUrl: 'http://r', secret: 's',
        events: [{ id: 'e1', json: '{}', attempts: 0, acceptedAtMs: 17 }, { id: 'e2', json: null, attempts: 2, acceptedAtMs: 18 }],
      }],
    ],
    malformed: [['ok', 'u', 's', 'e1', '{}', '0'], ['ok', 'u', 's', 'e1', 5, '0', '1'], ['ok', 'u', 's', 'e1', '{}', 'x', '1'], ['gone'], null],
  },
  yieldDrain: { call: (r) => drain(r).yieldDrain({ sid: 7, token: 't', nowMs: 1 }), replies: [[4, 4], [null, null]], malformed: ['4', [4], 1.5] },
  takeOverDrain: { call: (r) => drain(r).takeOverDrain({ sid: 7, epoch: 3, nowMs: 1 }), replies: [[4, 4], [null, null]], malformed: ['4', true] },
  skipHead: {
    call: (r) => drain(r).skipHead({ sid: 7, nowMs: 1, retentionS: 60, expectedId: '' }),
    replies: [[['empty'], { kind: 'empty' }], [['moved', 'h'], { kind: 'moved', headId: 'h' }], [['ok', 'h', 3], { kind: 'ok', skippedId: 'h', wakeEpoch: 3 }], [['ok', 'h', null], { kind: 'ok', skippedId: 'h', wakeEpoch: null }]],
    malformed: [['ok'], ['moved', 1], ['ok', 'h', '3'], 'empty'],
  },
  pushWindow: {
    call: (r) => drain(r).pushWindow({ sid: 7, action: 'permit', limit: 5 }),
    replies: [[0, 0], [250, 250]],
    malformed: [-1, '250', null, [0]],
  },
  requeueEvents: {
    call: (r) => drain(r).requeueEvents({ sid: 7, nowMs: 1, ids: ['a', 'b'] }),
    replies: [[[2, 5], { requeued: 2, wakeEpoch: 5 }], [[0, null], { requeued: 0, wakeEpoch: null }]],
    malformed: [['2', null], [2, 'x'], 3],
  },
  setSchoolStatus: {
    call: (r) => school(r).setSchoolStatus({ sid: 7, action: 'resume', nowMs: 1, verifyId: '', errorText: '' }),
    replies: [[['missing'], { kind: 'missing' }], [['verify'], { kind: 'verify' }], [['ok', 'active', 4], { kind: 'ok', status: 'active', wakeEpoch: 4 }], [['ok', 'paused', null], { kind: 'ok', status: 'paused', wakeEpoch: null }]],
    malformed: [['ok', 'deleting', null], ['ok', 'active', '4'], [], 'ok'],
  },
  createSchool: flag((r) => school(r).createSchool({ sid: 7, fields: { sid: 7, subs: '*' } })),
  markSchoolDeleting: {
    call: (r) => school(r).markSchoolDeleting({ sid: 7, nowMs: 1 }),
    replies: [['hash', { kind: 'marked', apiKeyHash: 'hash' }], [null, { kind: 'missing' }]],
    malformed: [1, ['hash']],
  },
  finishSchoolDelete: { call: (r) => school(r).finishSchoolDelete({ sid: 7 }), replies: [[1, undefined]], malformed: [0, null, '1'] },
  closeClass: {
    call: (r) => classes(r).closeClass({ sid: 7, classId: 1, realCloseTime: 100 }),
    replies: [[0, 'missing'], [1, 'closed'], [2, 'already_closed']],
    malformed: [3, '1', null],
  },
  settleSummary: {
    call: (r) => classes(r).settleSummary({ sid: 7, classId: 1, version: 2, state: 'pushed', retentionS: 60 }),
    replies: [[0, 'stale'], [1, 'settled'], [2, 'already_settled']],
    malformed: [-1, 'settled', null],
  },
  hmgetMany: {
    call: (r) => classes(r).hmgetMany({ classes: [{ sid: 7, classId: 1 }, { sid: 7, classId: 2 }], fields: ['startTime', 'closeTime'] }),
    replies: [[[['1', '2'], [null, null]], [['1', '2'], [null, null]]]],
    malformed: [[['1', '2']], [['1'], ['1', '2']], [['1', 2], [null, null]], 'x'],
  },
  rateLimit: {
    call: (r) => access(r).rateLimit({ windowKey: 'unit:rl', limit: 10, windowMs: 1000, cost: 1 }),
    replies: [[[1, 0, 3], { allowed: true, count: 3 }], [[0, 500, 10], { allowed: false, retryAfterMs: 500, count: 10 }]],
    malformed: [[2, 0, 0], [1], ['1', 0, 3], 'x'],
  },
  claimUser: flag((r) => access(r).claimUser({ appId: 'app', userUuid: 'u', ttlS: 60 })),
  roomLoad: {
    call: (r) => rooms(r).roomLoad({ roomId: 'r1', userUuid: 'u', all: false, userIds: [1] }),
    replies: [
      [['3', '{}', 'm', 'h', '0', 'r1'], { ver: '3', doc: '{}', byUuid: 'm', host: 'h', banUntilMs: 0, records: ['r1'] }],
      [['', '', '', '', '99'], { ver: '', doc: '', byUuid: '', host: '', banUntilMs: 99, records: [] }],
    ],
    malformed: [['3', '{}'], ['3', '{}', '', '', 'x'], [3, '{}', '', '', '0'], null],
  },
  roomCommit: {
    call: (r) => rooms(r).roomCommit({ roomId: 'r1', expectedVer: '2', doc: '{}', nowMs: '1', bufferSize: 10, linked: false, banUuid: '', banUntilMs: 0, members: [], notices: [], rtmPrefix: '' }),
    replies: [[['ok', 4, 9], { kind: 'ok', ver: 4, seq: 9 }], [['conflict'], { kind: 'conflict' }]],
    malformed: [['ok', '4', 9], ['done'], 'ok'],
  },
  roomDestroy: {
    call: (r) => rooms(r).roomDestroy({ roomId: 'r1', life: 2 }),
    replies: [[['destroyed', '1', '2'], { result: 'destroyed', userIds: ['1', '2'] }], [['gone'], { result: 'gone', userIds: [] }]],
    malformed: [['gone', '1'], ['boom'], [], ['destroyed', 1]],
  },
  roomBoard: { call: (r) => rooms(r).roomBoard({ roomId: 'r1', created: '' }), replies: [['b1', 'b1'], ['', ''], [null, undefined]], malformed: [1, ['b1']] },
  roomIndexSwap: flag((r) => rooms(r).roomIndexSwap({ field: 'app:u', from: '', to: 'r1' })),
  fencedRenew: flag((r) => queue(r).fencedRenew({ token: 't', ttlMs: 1000 })),
  fencedTrim: flag((r) => queue(r).fencedTrim({ token: 't', count: 2 })),
  fencedRelease: { call: (r) => queue(r).fencedRelease({ token: 't' }), replies: [[3, 3], [0, 0]], malformed: [-1, '3', null] },
};

describe('the typed script calls', () => {
  it('cover every script', () => {
    expect(Object.keys(cases).sort()).toEqual([...SCRIPT_NAMES].sort());
  });

  for (const [name, c] of Object.entries(cases) as [ScriptName, Case][]) {
    it(`${name}: decodes each reply its script gives, and runs that script`, async () => {
      for (const [reply, decoded] of c.replies) {
        const { redis, ran } = stubClient(reply);
        expect(await c.call(redis)).toEqual(decoded);
        expect(ran).toEqual([name]);
      }
    });

    it(`${name}: refuses a reply of any other shape with a ScriptReplyError`, async () => {
      for (const reply of c.malformed) {
        await expect(c.call(stubClient(reply).redis), JSON.stringify(reply)).rejects.toMatchObject({
          name: 'ScriptReplyError', code: 'unexpected_script_reply', script: name,
        });
      }
    });
  }
});
