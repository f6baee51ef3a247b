/**
 * The room's whiteboard as the Agora Meeting clients use it: a user opens it (`…/user/:self/board`
 * state 1; the host also with `POST …/room/:roomId {shareBoard}`), the host or the opener grants or
 * revokes drawing (`…/user/:userId/board`), the opener closing it closes it for everyone. The host
 * lock (`lockBoard`) leaves granting to the host alone. Broadcast as cmd 5.
 */
import { fail, ROOM_CMD, ROOM_CODES, succeed, unchanged, type Decision, type Member, type Notice, type RoomDoc } from './room-rules.js';

const boardNotice = (room: RoomDoc, target: Member, actor: Member, extra: Record<string, unknown>): Notice => ({
  cmd: ROOM_CMD.board,
  data: { shareBoard: (room.boardOwnerUserId ?? 0) > 0 ? 1 : 0, ownerUserId: room.boardOwnerUserId ?? 0, userId: target.userId, uid: target.uid, byUserId: actor.userId, byUid: actor.uid, ...extra },
});

/** May this member grant the board? The host, or (unless the host locked it) the user who opened it. */
export const boardKeeper = (room: RoomDoc, m: Member): boolean => m.role === 1 || (!room.boardLocked && room.boardOwnerUserId === m.userId);

function open(room: RoomDoc, actor: Member): Decision {
  if (actor.role !== 1 && room.boardLocked) return fail(ROOM_CODES.noPermission, 'the host locked the board');
  const next = { ...room, boardOwnerUserId: actor.userId };
  const self = { ...actor, grantBoard: true };
  return succeed({ room: next, members: actor.grantBoard ? [] : [self], notices: [boardNotice(next, actor, actor, { grantBoard: true })] });
}

function close(room: RoomDoc, actor: Member): Decision {
  const next = { ...room, boardOwnerUserId: 0 };
  const self = { ...actor, grantBoard: actor.role === 1 };
  return succeed({ room: next, members: self.grantBoard === actor.grantBoard ? [] : [self], notices: [boardNotice(next, actor, actor, { grantBoard: self.grantBoard })] });
}

/** `…/user/:userId/board {state}`: open, close or leave the board (self), grant or revoke it (others). */
export function decideBoard(room: RoomDoc, actor: Member, target: Member | undefined, state: 0 | 1): Decision {
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  const owner = room.boardOwnerUserId ?? 0;
  if (target.userId === actor.userId) {
    if (state === 1 && owner === 0) return open(room, actor);
    if (state === 1) return actor.grantBoard ? unchanged(room) : fail(ROOM_CODES.noPermission, 'ask the board\'s opener or the host to draw');
    if (owner === actor.userId) return close(room, actor);
    if (!actor.grantBoard || actor.role === 1) return unchanged(room);
    return succeed({ room, members: [{ ...actor, grantBoard: false }], notices: [boardNotice(room, actor, actor, { grantBoard: false })] });
  }
  if (!boardKeeper(room, actor)) return fail(ROOM_CODES.notTeacher, 'only the host (or the board\'s opener) grants the board');
  if (target.role === 1) return fail(ROOM_CODES.noPermission, 'the host always holds the board');
  const granted = state === 1;
  if (target.grantBoard === granted) return unchanged(room);
  const updated: Member = { ...target, grantBoard: granted, applied: (target.applied ?? []).filter((m) => m !== 3), invited: (target.invited ?? []).filter((m) => m !== 3) };
  return succeed({ room, members: [updated], notices: [boardNotice(room, target, actor, { grantBoard: granted })] });
}

/** The board fields of `POST …/room/:roomId`. */
export interface BoardChanges {
  shareBoard?: 0 | 1;
  lockBoard?: boolean;
}

/** Host: open (1) or close (0) the board for the room, and lock or unlock granting. */
export function decideRoomBoard(room: RoomDoc, actor: Member, changes: BoardChanges): Decision {
  if (actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host changes the room');
  let next = room;
  const notices: Notice[] = [];
  if (changes.lockBoard !== undefined && changes.lockBoard !== (room.boardLocked ?? false)) {
    next = { ...next, boardLocked: changes.lockBoard };
    notices.push(boardNotice(next, actor, actor, { lockBoard: changes.lockBoard ? 1 : 0 }));
  }
  const owner = next.boardOwnerUserId ?? 0;
  if (changes.shareBoard === 1 && owner === 0) next = { ...next, boardOwnerUserId: actor.userId };
  if (changes.shareBoard === 0 && owner !== 0) next = { ...next, boardOwnerUserId: 0 };
  if ((next.boardOwnerUserId ?? 0) !== owner) notices.push(boardNotice(next, actor, actor, {}));
  return notices.length === 0 ? unchanged(room) : succeed({ room: next, members: [], notices });
}
