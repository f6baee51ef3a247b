/**
 * The room calls after entry, as use cases shared by the `/conf` router and the Agora Meeting
 * clients' `/scenario/meeting` router: each checks the caller's token and the app in the path,
 * runs one room rule and returns domain records (each router renders them its own way).
 */
import type { Deps } from '../deps.js';
import { decideRoomBoard, type BoardChanges } from '../domain/room-board.js';
import { decideApply, decideInvite, type HandRequest } from '../domain/room-hands.js';
import {
  decideChat, decideEnd, decideExit, decideKick, decidePassHost, decideReward, EXIT_REASON, ROOM_CODES, succeed, type Decision, type Member, type Plan,
} from '../domain/room-rules.js';
import { decideScreen } from '../domain/room-screen.js';
import { decideRoomUpdate, decideUserUpdate, type RoomChanges, type UserChanges } from '../domain/room-updates.js';
import { boardOff, noRoom } from './rooms-errors.js';
import { actAs, finishEndedRoom, readAs, type Actor } from './rooms.js';

/** Who calls and where: the app and room of the path, the `token` header. */
export interface RoomCall {
  appId: string;
  roomId: string;
  token: string | undefined;
}

/** Reads the room as the caller; a room of another app is answered as a room that does not exist. */
export async function readIn(deps: Deps, call: RoomCall, ask: { userIds?: number[]; all?: boolean } = {}): Promise<Actor> {
  const a = await readAs(deps, call.roomId, call.token, ask);
  if (a.room.appId !== call.appId) throw noRoom();
  return a;
}

/** Runs one decision as the caller (retried on contention) and returns the committed plan. */
export async function actIn(deps: Deps, call: RoomCall, targets: number[], decide: (a: Actor) => Decision, all = false): Promise<Plan> {
  return actAs(deps, call.roomId, call.token, { userIds: targets, all }, (a) => {
    if (a.room.appId !== call.appId) throw noRoom();
    return decide(a);
  });
}

/** Host: room changes; state 0 ends the room (everyone told, class closed, room cleared). */
export async function updateRoom(deps: Deps, call: RoomCall, changes: RoomChanges & BoardChanges & { state?: 0 | 1 }): Promise<{ plan: Plan; host: Member | undefined }> {
  let host: Member | undefined;
  const ending = changes.state === 0;
  if (changes.shareBoard === 1 && !deps.config.whiteboard) throw boardOff();
  const plan = await actIn(deps, call, [], ({ room, actor, snap }) => {
    host = snap.host;
    if (ending) return decideEnd(room, actor, [...snap.members.values()]);
    const first = decideRoomUpdate(room, actor, changes);
    if (!first.ok || (changes.shareBoard === undefined && changes.lockBoard === undefined)) return first;
    const board = decideRoomBoard(first.plan.room, actor, changes);
    return board.ok ? succeed({ ...board.plan, notices: [...first.plan.notices, ...board.plan.notices] }) : board;
  }, ending);
  if (plan.room.state === 0) await finishEndedRoom(deps, plan.room);
  return { plan, host: plan.room.state === 0 ? undefined : host };
}

/** Host: end the room. */
export async function endRoom(deps: Deps, call: RoomCall): Promise<void> {
  const plan = await actIn(deps, call, [], ({ room, actor, snap }) => decideEnd(room, actor, [...snap.members.values()]), true);
  await finishEndedRoom(deps, plan.room);
}

/** Changes a user; returns the record after the change. */
export async function updateUser(deps: Deps, call: RoomCall, userId: number, changes: UserChanges): Promise<Member | undefined> {
  let current: Member | undefined;
  const plan = await actIn(deps, call, [userId], ({ room, actor, snap }) => {
    current = snap.members.get(userId);
    return decideUserUpdate(room, actor, current, changes);
  });
  return plan.members.find((m) => m.userId === userId) ?? current;
}

/**
 * A user leaves. `hostRemoves`: the host may call it for someone else, which takes them out like a
 * kick without a ban (the Web client's "remove" calls exit with the other user's id).
 */
export async function exitUser(deps: Deps, call: RoomCall, userId: number, hostRemoves: boolean): Promise<void> {
  await actIn(deps, call, [userId], ({ room, actor, snap }): Decision => {
    if (actor.userId === userId) return decideExit(room, snap.members.get(userId), EXIT_REASON.normal);
    if (hostRemoves && actor.role === 1) return decideKick(room, actor, snap.members.get(userId), 0, Date.now());
    return { ok: false, code: ROOM_CODES.noPermission, msg: 'users exit themselves; the host kicks others out' };
  });
}

/** Host: kick out with a re-entry ban of durationS. */
export async function kickUser(deps: Deps, call: RoomCall, userId: number, durationS: number): Promise<void> {
  await actIn(deps, call, [userId], ({ room, actor, snap }) => decideKick(room, actor, snap.members.get(userId), durationS, Date.now()));
}

/** Host: one more reward; returns the running total. */
export async function rewardUser(deps: Deps, call: RoomCall, userId: number): Promise<number> {
  const plan = await actIn(deps, call, [userId], ({ room, actor, snap }) => decideReward(room, actor, snap.members.get(userId)));
  return plan.members[0]?.rewards ?? 0;
}

/** Host: pass the host role. */
export async function passHost(deps: Deps, call: RoomCall, userId: number): Promise<void> {
  await actIn(deps, call, [userId], ({ room, actor, snap }) => decidePassHost(room, actor, snap.members.get(userId)));
}

/** A chat message to the room. */
export async function sendChat(deps: Deps, call: RoomCall, message: string): Promise<void> {
  await actIn(deps, call, [], ({ room, actor }) => decideChat(room, actor, message));
}

/** Starts or stops a screen share (`userId` undefined: the caller's own, the room-level call). */
export async function shareScreen(deps: Deps, call: RoomCall, userId: number | undefined, state: 0 | 1): Promise<void> {
  await actIn(deps, call, userId === undefined ? [] : [userId], ({ room, actor, snap }) =>
    decideScreen(room, actor, userId === undefined || userId === actor.userId ? actor : snap.members.get(userId), state));
}

/** Raise a hand: `invite` (the host to userId) or `apply` (the caller to userId, the host). */
export async function handRequest(deps: Deps, call: RoomCall, kind: 'invite' | 'apply', userId: number, request: HandRequest): Promise<void> {
  if (request.type === 3 && request.action === 1 && !deps.config.whiteboard) throw boardOff();
  await actIn(deps, call, [userId], ({ room, actor, snap }) => {
    const other = userId === actor.userId ? actor : snap.members.get(userId);
    return kind === 'invite' ? decideInvite(room, actor, other, request) : decideApply(room, actor, other, request);
  });
}

/** Online users by role, ordered by userId, after `nextId`. */
export async function listUsers(deps: Deps, call: RoomCall, query: { role?: 0 | 1 | 2 | undefined; nextId: number; count: number }) {
  const { snap } = await readIn(deps, call, { all: true });
  const online = [...snap.members.values()].filter((m) => m.online && (!query.role || m.role === query.role)).sort((a, b) => a.userId - b.userId);
  const page = online.filter((m) => m.userId > query.nextId).slice(0, query.count);
  return { total: online.length, page, more: page.length > 0 && online.at(-1) !== page.at(-1) };
}

/** A heartbeat of the caller. */
export async function heartbeat(deps: Deps, call: RoomCall): Promise<void> {
  const { actor } = await readIn(deps, call);
  await deps.rooms.heartbeat(call.roomId, actor.userId, Date.now());
}
