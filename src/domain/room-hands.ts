/**
 * Raise a hand to speak, as the Agora Meeting clients use it: the host invites a user
 * (`…/user/:userId/host/invite`, action 1 invite, 2 reject the user's request) and a user applies to
 * the host (`…/user/:hostId/audience/apply`, action 1 apply, 2 reject the host's invitation).
 * Inviting a user who applied (or applying after an invitation) accepts: the flag turns on, and
 * audio or video takes a co-host seat (10007 when full). A pending request raises the hand.
 */
import { boardKeeper } from './room-board.js';
import { applyChanges, MODULE_FLAG } from './room-updates.js';
import { fail, ROOM_CMD, ROOM_CODES, succeed, unchanged, type Decision, type HandModule, type Member, type RoomDoc } from './room-rules.js';

export interface HandRequest {
  /** 1 audio, 2 video, 3 board (the clients' `type`). */
  type: HandModule;
  /** 1 invite / apply, 2 reject the other side's request (the clients' `action`). */
  action: 1 | 2;
}

const without = (list: HandModule[] | undefined, m: HandModule) => (list ?? []).filter((x) => x !== m);
const requestNotice = (actor: Member, target: Member, kind: 'invite' | 'apply', r: HandRequest, changes: Record<string, boolean>) => ({
  cmd: ROOM_CMD.user,
  data: { userId: target.userId, uid: target.uid, role: target.role, changes, request: { kind, type: r.type, action: r.action, fromUserId: actor.userId }, byUserId: actor.userId, byUid: actor.uid },
});

/** `host/invite`: the host (or the board's opener, for the board) invites a user, or rejects their request. */
export function decideInvite(room: RoomDoc, actor: Member, target: Member | undefined, r: HandRequest): Decision {
  if (!(actor.role === 1 || (r.type === 3 && boardKeeper(room, actor)))) return fail(ROOM_CODES.notTeacher, 'only the host invites');
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  if (target.userId === actor.userId) return fail(ROOM_CODES.noPermission, 'the host does not invite themselves');
  const flag = MODULE_FLAG[r.type];
  const applied = (target.applied ?? []).includes(r.type);
  if (r.action === 1 && applied) return applyChanges(room, actor, target, { [flag]: true, ...(r.type !== 3 && !target.stage && target.role === 2 ? { stage: true } : {}) }, [r.type]);
  if (r.action === 1) {
    if (target[flag] || (target.invited ?? []).includes(r.type)) return unchanged(room);
    const updated: Member = { ...target, invited: [...(target.invited ?? []), r.type] };
    return succeed({ room, members: [updated], notices: [requestNotice(actor, target, 'invite', r, {})] });
  }
  if (!applied) return unchanged(room);
  const rest = without(target.applied, r.type);
  const updated: Member = { ...target, applied: rest, handsUp: rest.length > 0 ? target.handsUp : false };
  const changes: Record<string, boolean> = updated.handsUp !== target.handsUp ? { handsUp: updated.handsUp } : {};
  return succeed({ room, members: [updated], notices: [requestNotice(actor, target, 'invite', r, changes)] });
}

/** `audience/apply`: a user asks the host (or the board's opener) for a module, or rejects an invitation. */
export function decideApply(room: RoomDoc, actor: Member, to: Member | undefined, r: HandRequest): Decision {
  if (!to?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  if (!boardKeeper(room, to) || (r.type !== 3 && to.role !== 1)) return fail(ROOM_CODES.noPermission, 'requests go to the host');
  const flag = MODULE_FLAG[r.type];
  const invited = (actor.invited ?? []).includes(r.type);
  if (r.action === 1 && invited) return applyChanges(room, actor, actor, { [flag]: true, ...(r.type !== 3 && !actor.stage && actor.role === 2 ? { stage: true } : {}) }, [r.type]);
  if (r.action === 1) {
    if (actor[flag] || (actor.applied ?? []).includes(r.type)) return unchanged(room);
    const updated: Member = { ...actor, applied: [...(actor.applied ?? []), r.type], handsUp: true };
    return succeed({ room, members: [updated], notices: [requestNotice(actor, actor, 'apply', r, actor.handsUp ? {} : { handsUp: true })] });
  }
  if (!invited) return unchanged(room);
  const updated: Member = { ...actor, invited: without(actor.invited, r.type) };
  return succeed({ room, members: [updated], notices: [requestNotice(actor, actor, 'apply', r, {})] });
}
