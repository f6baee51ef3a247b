import { describe, expect, it } from 'vitest';
import { eventFieldsOf, roomClassEvents, roomEventId } from '../../src/domain/room-events.js';
import {
  decideChat, decideEnd, decideEntry, decideExit, decideKick, decidePassHost, decideReward,
  type EntryInput, type Member, type RoomDoc,
} from '../../src/domain/room-rules.js';
import { decideRoomUpdate, decideUserUpdate, type UserChanges } from '../../src/domain/room-updates.js';
import { member, room } from '../helpers/room-fixtures.js';

const host = (userId = 1, over: Partial<Member> = {}) => member(userId, { role: 1, stage: true, grantBoard: true, ...over });
const input = (over: Partial<EntryInput> = {}): EntryInput => ({ userUuid: 'new', userName: 'New', uid: 77, passwordHash: '', tokenHash: 't', session: 'n', ...over });
const codeOf = (d: ReturnType<typeof decideEntry>) => (d.ok ? 0 : d.code);

describe('decideEntry', () => {
  const cases: { name: string; room: Partial<RoomDoc>; existing?: Member; host?: Member; ban?: number; input?: Partial<EntryInput>; code: number }[] = [
    { name: 'first user of an empty room', room: {}, code: 0 },
    { name: 'audience fills capacity - 1 while the host is away', room: { online: 2 }, code: 0 },
    { name: 'the host\'s seat is kept while away', room: { online: 3, hostUserId: 9 }, host: host(9, { online: false }), code: 10002 },
    { name: 'the host takes the reserved seat', room: { online: 3 }, input: { role: 'host' }, code: 0 },
    { name: 'full with the host present', room: { online: 4, hostUserId: 9 }, host: host(9), code: 10002 },
    { name: 'a second host is refused', room: { online: 1, hostUserId: 9 }, host: host(9), input: { role: 'host' }, code: 10001 },
    { name: 'an absent host is replaced', room: { online: 1, hostUserId: 9 }, host: host(9, { online: false }), input: { role: 'host' }, code: 0 },
    { name: 'a second device is not counted', room: { online: 4, hostUserId: 9 }, host: host(9), existing: member(2, { userUuid: 'new' }), code: 0 },
    { name: 'wrong password', room: { passwordHash: 'x' }, input: { passwordHash: 'y' }, code: 10003 },
    { name: 'right password', room: { passwordHash: 'x' }, input: { passwordHash: 'x' }, code: 0 },
    { name: 'banned', room: {}, ban: 2000, code: 10003 },
    { name: 'ban over', room: {}, ban: 999, code: 0 },
    { name: 'ended room', room: { state: 0 }, code: 10006 },
  ];
  it.each(cases)('$name → $code', (c) => {
    const d = decideEntry({ room: room(c.room), existing: c.existing, host: c.host, banUntilMs: c.ban ?? 0, nowMs: 1000 }, input(c.input));
    expect(codeOf(d)).toBe(c.code);
  });

  it('a second device keeps the state and reports exit 60 then enter', () => {
    const old = member(2, { userUuid: 'new', handsUp: true, stage: true, rewards: 3, session: 'old' });
    const d = decideEntry({ room: room({ online: 2, stageAudience: 1 }), existing: old, banUntilMs: 0, nowMs: 0 }, input());
    if (!d.ok) throw new Error(d.msg);
    expect(d.plan.room).toMatchObject({ online: 2, stageAudience: 1, life: 1 });
    expect(d.plan.members[0]).toMatchObject({ userId: 2, handsUp: true, stage: true, rewards: 3, session: 'n', online: true });
    expect(d.plan.notices.map((n) => [n.cmd, n.data.action ?? n.data.reason])).toEqual([[8, 60], [2, 'exit'], [2, 'enter']]);
    expect(d.plan.notices[1]!.data).toMatchObject({ reason: 60, session: 'old' });
  });

  it('a new host demotes the absent one and announces it', () => {
    const d = decideEntry({ room: room({ hostUserId: 9, nextUserId: 9 }), host: host(9, { online: false }), banUntilMs: 0, nowMs: 0 }, input({ role: 'host' }));
    if (!d.ok) throw new Error(d.msg);
    expect(d.plan.room.hostUserId).toBe(10);
    expect(d.plan.members.map((m) => [m.userId, m.role])).toEqual([[9, 2], [10, 1]]);
    expect(d.plan.notices.map((n) => n.cmd)).toEqual([7, 2]);
  });
});

describe('decideUserUpdate', () => {
  const cases: { name: string; room?: Partial<RoomDoc>; actor: Member; target?: Member; changes: UserChanges; code: number }[] = [
    { name: 'raise own hand', actor: member(2), target: member(2), changes: { handsUp: true }, code: 0 },
    { name: 'own audio in a small class', actor: member(2), target: member(2), changes: { enableAudio: true }, code: 0 },
    { name: 'own video in a large class', room: { classType: 'large' }, actor: member(2), target: member(2), changes: { enableVideo: true }, code: 10003 },
    { name: 'own audio while everyone is muted', room: { muteAllAudio: true }, actor: member(2), target: member(2), changes: { enableAudio: true }, code: 10003 },
    { name: 'self on stage', actor: member(2), target: member(2), changes: { stage: true }, code: 10003 },
    { name: 'self off stage', actor: member(2, { stage: true }), target: member(2, { stage: true }), room: { stageAudience: 1 }, changes: { stage: false }, code: 0 },
    { name: 'self grants the board', actor: member(2), target: member(2), changes: { grantBoard: true }, code: 10003 },
    { name: 'self re-enables chat', actor: member(2, { enableChat: false }), target: member(2, { enableChat: false }), changes: { enableChat: true }, code: 10003 },
    { name: 'audience changes another', actor: member(2), target: member(3), changes: { handsUp: false }, code: 10003 },
    { name: 'host mutes anyone in a large class', room: { classType: 'large' }, actor: host(), target: member(3, { enableAudio: true }), changes: { enableAudio: false }, code: 0 },
    { name: 'host puts on stage with a free seat', room: { stageAudience: 1 }, actor: host(), target: member(3), changes: { stage: true }, code: 0 },
    { name: 'host: seats full (one kept for the host)', room: { stageAudience: 2 }, actor: host(), target: member(3), changes: { stage: true }, code: 10007 },
    { name: 'large class: the only seat is the host\'s', room: { classType: 'large', stageSeats: 1 }, actor: host(), target: member(3), changes: { stage: true }, code: 10007 },
    { name: 'host raises someone else\'s hand', actor: host(), target: member(3), changes: { handsUp: true }, code: 10003 },
    { name: 'host lowers a hand', actor: host(), target: member(3, { handsUp: true }), changes: { handsUp: false }, code: 0 },
    { name: 'target offline', actor: host(), target: member(3, { online: false }), changes: { stage: true }, code: 10004 },
    { name: 'target unknown', actor: host(), changes: { stage: true }, code: 10004 },
  ];
  it.each(cases)('$name → $code', (c) => {
    const d = decideUserUpdate(room(c.room), c.actor, c.target, c.changes);
    expect(d.ok ? 0 : d.code).toBe(c.code);
  });

  it('going on stage lowers the hand and takes a seat; no change, no notice', () => {
    const d = decideUserUpdate(room(), host(), member(3, { handsUp: true }), { stage: true });
    if (!d.ok) throw new Error(d.msg);
    expect(d.plan.room.stageAudience).toBe(1);
    expect(d.plan.notices[0]!.data.changes).toEqual({ stage: true, handsUp: false });
    const same = decideUserUpdate(room(), member(2), member(2), { handsUp: false });
    expect(same.ok && same.plan.notices).toEqual([]);
  });
});

describe('host-only and other decisions', () => {
  const cases: { name: string; run: () => ReturnType<typeof decideExit>; code: number }[] = [
    { name: 'mute all by audience', run: () => decideRoomUpdate(room(), member(2), { muteAllAudio: 2 }), code: 10010 },
    { name: 'mute all by host', run: () => decideRoomUpdate(room(), host(), { muteAllAudio: 2 }), code: 0 },
    { name: 'kick by audience', run: () => decideKick(room(), member(2), member(3), 10, 0), code: 10010 },
    { name: 'kick self', run: () => decideKick(room(), host(), host(), 10, 0), code: 10003 },
    { name: 'kick someone offline', run: () => decideKick(room(), host(), member(3, { online: false }), 10, 0), code: 10004 },
    { name: 'reward by audience', run: () => decideReward(room(), member(2), member(3)), code: 10010 },
    { name: 'reward the host', run: () => decideReward(room(), host(), host()), code: 10003 },
    { name: 'pass host by audience', run: () => decidePassHost(room(), member(2), member(3)), code: 10010 },
    { name: 'pass host to someone offline', run: () => decidePassHost(room(), host(), member(3, { online: false })), code: 10004 },
    { name: 'chat when muted', run: () => decideChat(room({ muteAllChat: true }), member(2), 'hi'), code: 10003 },
    { name: 'host chats when muted', run: () => decideChat(room({ muteAllChat: true }), host(), 'hi'), code: 0 },
    { name: 'chat disabled for the user', run: () => decideChat(room(), member(2, { enableChat: false }), 'hi'), code: 10003 },
    { name: 'end by audience', run: () => decideEnd(room(), member(2), []), code: 10010 },
    { name: 'exit twice', run: () => decideExit(room(), member(2, { online: false }), 1), code: 10004 },
  ];
  it.each(cases)('$name → $code', (c) => {
    const d = c.run();
    expect(d.ok ? 0 : d.code).toBe(c.code);
  });

  it('kick: kick notice, exit with reason 4, seat released, ban recorded', () => {
    const d = decideKick(room({ online: 2, stageAudience: 1 }), host(), member(3, { stage: true }), 60, 1000);
    if (!d.ok) throw new Error(d.msg);
    expect(d.plan.room).toMatchObject({ online: 1, stageAudience: 0 });
    expect(d.plan.ban).toEqual({ userUuid: 'u3', untilMs: 61_000 });
    expect(d.plan.notices.map((n) => [n.cmd, n.data.reason])).toEqual([[8, 4], [2, 4]]);
    expect(d.plan.members[0]).toMatchObject({ online: false, stage: false, tokenHash: '' });
  });

  it('end: room state 0 first, then students leave (reason 2), the host last', () => {
    const d = decideEnd(room({ online: 3 }), host(1), [host(1), member(3), member(2), member(4, { online: false })]);
    if (!d.ok) throw new Error(d.msg);
    expect(d.plan.room).toMatchObject({ state: 0, online: 0 });
    expect(d.plan.notices.map((n) => [n.cmd, n.data.userId ?? null])).toEqual([[3, null], [2, 2], [2, 3], [2, 1]]);
  });
});

describe('room notifications → catalogue events', () => {
  const cases: { cmd: number; data: Record<string, unknown>; events: unknown[] }[] = [
    { cmd: 2, data: { action: 'enter', uid: 5, userName: 'Ann', role: 2 }, events: [{ type: 'enter', uid: 5, nickName: 'Ann', identity: 1, device: 3 }] },
    { cmd: 2, data: { action: 'exit', uid: 6, role: 1, reason: 60 }, events: [{ type: 'exit', uid: 6, identity: 3, reason: 60 }] },
    { cmd: 8, data: { uid: 5, reason: 4, durationS: 30 }, events: [{ type: 'kick_out', targetUid: 5, durationS: 30 }] },
    { cmd: 8, data: { uid: 5, reason: 60 }, events: [] },
    { cmd: 3, data: { changes: { muteAllAudio: true } }, events: [{ type: 'mute_all', muted: true }] },
    { cmd: 5, data: { userId: 3, uid: 7, grantBoard: true, byUserId: 1 }, events: [{ type: 'authorize', targetUid: 7, granted: true }] },
    { cmd: 5, data: { userId: 3, uid: 7, grantBoard: true, byUserId: 3 }, events: [] },
    { cmd: 6, data: { userId: 3, uid: 7, state: 1 }, events: [] },
    { cmd: 3, data: { changes: { muteAllChat: true } }, events: [] },
    { cmd: 4, data: { uid: 5, changes: { stage: true, handsUp: false } }, events: [{ type: 'hands_up', uid: 5, up: false }, { type: 'stage', uid: 5, up: true }] },
    { cmd: 4, data: { uid: 5, changes: { enableAudio: false, grantBoard: true } }, events: [{ type: 'mute', targetUid: 5, muted: true }, { type: 'authorize', targetUid: 5, granted: true }] },
    { cmd: 4, data: { uid: 5, changes: { rewards: 3 } }, events: [{ type: 'reward', uid: 5, times: 3 }] },
    { cmd: 4, data: { uid: 5, changes: { enableVideo: true } }, events: [] },
    { cmd: 1, data: { uid: 5, message: 'hi' }, events: [] },
  ];
  it.each(cases)('cmd $cmd $data', (c) => {
    expect(eventFieldsOf({ cmd: c.cmd, data: c.data })).toEqual(c.events);
  });

  it('normalizes with deterministic ids, the class, the action time and the operator', () => {
    const link = { roomId: 'abcdef0123456789', sid: 257, classId: 9 };
    const events = roomClassEvents(link, [{ cmd: 4, version: 1, timestamp: 1_700_000_000_999, seq: 40, data: { uid: 5, changes: { rewards: 1 }, byUid: 7 } }]);
    expect(events).toEqual([{ type: 'reward', uid: 5, times: 1, id: 'ev_257_abcdef012345678914z0', sid: 257, classId: 9, actionTime: 1_700_000_000, sourceUid: 7 }]);
    expect(roomEventId(link, 40, 0)).toMatch(/^ev_257_[0-9a-z]+$/);
  });
});
