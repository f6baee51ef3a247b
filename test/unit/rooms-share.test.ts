import { describe, expect, it } from 'vitest';
import { decideBoard, decideRoomBoard } from '../../src/domain/room-board.js';
import { decideApply, decideInvite } from '../../src/domain/room-hands.js';
import { screenIdOf, type Decision, type Member, type RoomDoc } from '../../src/domain/room-rules.js';
import { decideScreen } from '../../src/domain/room-screen.js';
import { decideUserUpdate } from '../../src/domain/room-updates.js';
import { member, room as baseRoom } from '../helpers/room-fixtures.js';

const room = (over: Partial<RoomDoc> = {}) => baseRoom({ capacity: 10, stageSeats: 4, hostUserId: 1, nextUserId: 5, online: 5, ...over });
const host = member(1, { role: 1, stage: true, grantBoard: true });
const codeOf = (d: Decision) => (d.ok ? 0 : d.code);
const planOf = (d: Decision) => {
  if (!d.ok) throw new Error(d.msg);
  return d.plan;
};

describe('decideScreen', () => {
  const cases: { name: string; room?: Partial<RoomDoc>; actor: Member; target: Member; state: 0 | 1; code: number }[] = [
    { name: 'start own', actor: member(2), target: member(2), state: 1, code: 0 },
    { name: 'start while another shares', room: { screenUserId: 3 }, actor: member(2), target: member(2), state: 1, code: 10008 },
    { name: 'start again while sharing (no change)', room: { screenUserId: 2 }, actor: member(2), target: member(2), state: 1, code: 0 },
    { name: 'start someone else\'s', actor: host, target: member(2), state: 1, code: 10003 },
    { name: 'stop a share not running', actor: member(2), target: member(2), state: 0, code: 10009 },
    { name: 'stop another\'s as a participant', room: { screenUserId: 3 }, actor: member(2), target: member(3), state: 0, code: 10010 },
    { name: 'the host stops anyone\'s', room: { screenUserId: 3 }, actor: host, target: member(3), state: 0, code: 0 },
    { name: 'stop someone who is not sharing', room: { screenUserId: 3 }, actor: host, target: member(2), state: 0, code: 10009 },
  ];
  it.each(cases)('$name → $code', (c) => expect(codeOf(decideScreen(room(c.room), c.actor, c.target, c.state))).toBe(c.code));

  it('records the sharer, flags grantScreen and broadcasts cmd 6 with the screen uid', () => {
    const plan = planOf(decideScreen(room(), member(2), member(2), 1));
    expect(plan.room.screenUserId).toBe(2);
    expect(plan.members[0]!.grantScreen).toBe(true);
    expect(plan.notices).toEqual([{ cmd: 6, data: expect.objectContaining({ state: 1, userId: 2, screenId: screenIdOf(member(2)) }) }]);
    expect(screenIdOf(member(2))).toBeLessThan(2 ** 31);
  });
});

describe('raise a hand (decideInvite / decideApply)', () => {
  it('an apply raises the hand; the host\'s invite accepts it: flag on, on stage, hand down', () => {
    const applied = planOf(decideApply(room(), member(2), host, { type: 1, action: 1 })).members[0]!;
    expect(applied).toMatchObject({ handsUp: true, applied: [1] });
    const accepted = planOf(decideInvite(room(), host, applied, { type: 1, action: 1 }));
    expect(accepted.members[0]).toMatchObject({ enableAudio: true, stage: true, handsUp: false, applied: [] });
    expect(accepted.room.stageAudience).toBe(1);
    expect(accepted.notices[0]!.data.changes).toEqual({ enableAudio: true, stage: true, handsUp: false });
  });

  it('the co-host limit refuses an acceptance (10007); rejecting lowers the hand', () => {
    const applied = member(2, { applied: [2], handsUp: true });
    expect(codeOf(decideInvite(room({ stageAudience: 3 }), host, applied, { type: 2, action: 1 }))).toBe(10007);
    const rejected = planOf(decideInvite(room(), host, applied, { type: 2, action: 2 }));
    expect(rejected.members[0]).toMatchObject({ handsUp: false, applied: [] });
  });

  it('an invitation is accepted by applying or by turning the flag on, even when everyone is muted or in a large class', () => {
    const invited = planOf(decideInvite(room(), host, member(2), { type: 1, action: 1 })).members[0]!;
    expect(invited.invited).toEqual([1]);
    expect(codeOf(decideUserUpdate(room({ muteAllAudio: true, classType: 'large', stageSeats: 2 }), invited, invited, { enableAudio: true }))).toBe(0);
    expect(codeOf(decideUserUpdate(room({ muteAllAudio: true }), member(2), member(2), { enableAudio: true }))).toBe(10003);
    const declined = planOf(decideApply(room(), invited, host, { type: 1, action: 2 }));
    expect(declined.members[0]!.invited).toEqual([]);
  });

  it('only the host invites (10010); requests go to the host (10003)', () => {
    expect(codeOf(decideInvite(room(), member(2), member(3), { type: 1, action: 1 }))).toBe(10010);
    expect(codeOf(decideApply(room(), member(2), member(3), { type: 1, action: 1 }))).toBe(10003);
  });
});

describe('decideBoard', () => {
  it('a user opens the board, the host grants it, the opener closing it closes it; the host lock keeps granting to the host', () => {
    const opened = planOf(decideBoard(room(), member(2), member(2), 1));
    expect(opened.room.boardOwnerUserId).toBe(2);
    expect(opened.notices[0]).toMatchObject({ cmd: 5, data: { shareBoard: 1, grantBoard: true } });
    const r = opened.room;
    expect(planOf(decideBoard(r, member(2, { grantBoard: true }), member(3), 1)).members[0]!.grantBoard).toBe(true);
    expect(codeOf(decideBoard({ ...r, boardLocked: true }, member(2, { grantBoard: true }), member(3), 1))).toBe(10010);
    expect(codeOf(decideBoard(r, member(3), member(3), 1))).toBe(10003);
    expect(planOf(decideBoard(r, member(2, { grantBoard: true }), member(2, { grantBoard: true }), 0)).room.boardOwnerUserId).toBe(0);
    expect(codeOf(decideRoomBoard(r, member(2), { lockBoard: true }))).toBe(10010);
    expect(planOf(decideRoomBoard(room(), host, { shareBoard: 1, lockBoard: true })).room).toMatchObject({ boardOwnerUserId: 1, boardLocked: true });
  });
});
