/**
 * Screen share: one sharer per room. A user starts their own share (room level `…/screen`, or user
 * level on themselves); the sharer or the host stops it. The share uses a second RTC uid
 * (`screenIdOf`), broadcast as cmd 6.
 */
import { fail, ROOM_CODES, screenNotice, succeed, unchanged, type Decision, type Member, type RoomDoc } from './room-rules.js';

/** Starts (state 1) or stops (state 0) the screen share of `target`, as `actor`. */
export function decideScreen(room: RoomDoc, actor: Member, target: Member | undefined, state: 0 | 1): Decision {
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  const sharer = room.screenUserId ?? 0;
  if (state === 1) {
    if (target.userId !== actor.userId) return fail(ROOM_CODES.noPermission, 'users start their own screen share');
    if (sharer === actor.userId) return unchanged(room);
    if (sharer !== 0) return fail(ROOM_CODES.alreadySharing, 'someone is already sharing the screen');
    return succeed({ room: { ...room, screenUserId: actor.userId }, members: [{ ...actor, grantScreen: true }], notices: [screenNotice(actor, 1, actor)] });
  }
  if (target.userId !== actor.userId && actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host stops another user\'s screen share');
  if (sharer !== target.userId) return fail(ROOM_CODES.notSharing, 'this user is not sharing the screen');
  return succeed({ room: { ...room, screenUserId: 0 }, members: [{ ...target, grantScreen: false }], notices: [screenNotice(target, 0, actor)] });
}
