/**
 * Changes to a user (`POST …/user/:userId`) and to the room (`POST …/room/:roomId`), including the
 * acceptance of raise-hand requests (an accepted audio/video request takes a co-host seat).
 */
import {
  fail, ROOM_CMD, ROOM_CODES, succeed, unchanged, type Decision, type HandModule, type Member, type Notice, type RoomDoc,
} from './room-rules.js';

/** The fields of `POST …/user/:userId`. */
export interface UserChanges {
  enableAudio?: boolean;
  enableVideo?: boolean;
  enableChat?: boolean;
  grantBoard?: boolean;
  stage?: boolean;
  handsUp?: boolean;
}

/** The flag each request module turns on. */
export const MODULE_FLAG = { 1: 'enableAudio', 2: 'enableVideo', 3: 'grantBoard' } as const satisfies Record<HandModule, keyof UserChanges>;
const MODULES: HandModule[] = [1, 2, 3];

/** The pending requests this change accepts: the host grants what was applied for, the user takes what was offered. */
function acceptedBy(changes: UserChanges, target: Member, isHost: boolean, isSelf: boolean): HandModule[] {
  if (target.role !== 2) return [];
  return MODULES.filter((m) => changes[MODULE_FLAG[m]] === true && !target[MODULE_FLAG[m]]
    && ((isSelf && (target.invited ?? []).includes(m)) || (isHost && !isSelf && (target.applied ?? []).includes(m))));
}

/** Why a participant (not the host) may not make this change to themselves, or undefined. */
function selfChangeDenied(room: RoomDoc, self: Member, changes: UserChanges, accepted: HandModule[]): string | undefined {
  const offered = (m: HandModule) => accepted.includes(m);
  if (changes.enableChat !== undefined && changes.enableChat !== self.enableChat) return 'only the host changes chat permission';
  if (changes.grantBoard === true && !self.grantBoard && !offered(3)) return 'only the host grants the whiteboard';
  if (changes.stage === true && !self.stage && !offered(1) && !offered(2)) return 'only the host invites on stage (raise your hand)';
  const audio = changes.enableAudio !== undefined && changes.enableAudio !== self.enableAudio && !offered(1);
  const video = changes.enableVideo !== undefined && changes.enableVideo !== self.enableVideo && !offered(2);
  if ((audio || video) && room.classType === 'large') return 'in a large class only the host changes audio and video';
  if (changes.enableAudio === true && !self.enableAudio && room.muteAllAudio && (room.muteAllAudioLevel ?? 2) === 2 && !offered(1)) return 'the host muted everyone';
  return undefined;
}

/** The host changes anyone; a participant changes some of their own state (small class: audio/video too). */
export function decideUserUpdate(room: RoomDoc, actor: Member, target: Member | undefined, changes: UserChanges): Decision {
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  const isHost = actor.role === 1;
  const isSelf = actor.userId === target.userId;
  if (!isHost && !isSelf) return fail(ROOM_CODES.noPermission, 'only the host changes other users');
  const accepted = acceptedBy(changes, target, isHost, isSelf);
  if (!isHost) {
    const denied = selfChangeDenied(room, target, changes, accepted);
    if (denied) return fail(ROOM_CODES.noPermission, denied);
  }
  if (isHost && !isSelf && changes.handsUp === true && !target.handsUp) return fail(ROOM_CODES.noPermission, 'users raise their own hands');
  if (target.role === 1 && changes.stage === false) return fail(ROOM_CODES.noPermission, 'the host stays on stage');
  // An accepted audio or video request takes a co-host seat.
  const wanted: UserChanges = accepted.some((m) => m !== 3) && !target.stage ? { ...changes, stage: true } : changes;
  return applyChanges(room, actor, target, wanted, accepted);
}

/** Applies validated changes: flags, stage seats, the hand and the requests an acceptance settles. */
export function applyChanges(room: RoomDoc, actor: Member, target: Member, changes: UserChanges, accepted: HandModule[] = []): Decision {
  const next: RoomDoc = { ...room };
  const updated: Member = { ...target };
  const diff: Record<string, boolean> = {};
  for (const key of ['enableAudio', 'enableVideo', 'enableChat', 'grantBoard', 'stage', 'handsUp'] as const) {
    const value = changes[key];
    if (value === undefined || value === target[key]) continue;
    updated[key] = value;
    diff[key] = value;
  }
  if (diff.stage !== undefined && target.role === 2) {
    if (diff.stage && room.stageAudience >= room.stageSeats - 1) return fail(ROOM_CODES.seatsFull, 'all co-host seats are taken');
    next.stageAudience += diff.stage ? 1 : -1;
  }
  if (accepted.length > 0) {
    updated.invited = (target.invited ?? []).filter((m) => !accepted.includes(m));
    updated.applied = (target.applied ?? []).filter((m) => !accepted.includes(m));
  }
  const settled = (diff.stage === true && target.role === 2) || (accepted.length > 0 && updated.applied?.length === 0);
  if (settled && updated.handsUp) {
    updated.handsUp = false;
    diff.handsUp = false;
  }
  if (Object.keys(diff).length === 0 && accepted.length === 0) return unchanged(room);
  const notice: Notice = {
    cmd: ROOM_CMD.user,
    data: { userId: target.userId, uid: target.uid, role: target.role, changes: diff, byUserId: actor.userId, byUid: actor.uid, ...(accepted.length > 0 ? { accepted } : {}) },
  };
  return succeed({ room: next, members: [updated], notices: [notice] });
}

export interface RoomChanges {
  muteAllChat?: boolean;
  /** 0 unmuted, 1 muted (participants may unmute themselves), 2 muted (they may not). */
  muteAllAudio?: 0 | 1 | 2;
}

/** Host only: mute all chat / audio. */
export function decideRoomUpdate(room: RoomDoc, actor: Member, changes: RoomChanges): Decision {
  if (actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host changes the room');
  const diff: Record<string, boolean | number> = {};
  let next: RoomDoc = room;
  if (changes.muteAllChat !== undefined && changes.muteAllChat !== room.muteAllChat) {
    diff.muteAllChat = changes.muteAllChat;
    next = { ...next, muteAllChat: changes.muteAllChat };
  }
  const level = changes.muteAllAudio;
  if (level !== undefined && (level > 0) !== room.muteAllAudio) diff.muteAllAudio = level > 0;
  if (level !== undefined && level > 0 && level !== (room.muteAllAudioLevel ?? 2)) diff.muteAllAudioLevel = level;
  if (level !== undefined) next = level === 0 ? { ...next, muteAllAudio: false } : { ...next, muteAllAudio: true, muteAllAudioLevel: level };
  if (Object.keys(diff).length === 0) return unchanged(room);
  return succeed({ room: next, members: [], notices: [{ cmd: ROOM_CMD.room, data: { changes: diff, byUserId: actor.userId, byUid: actor.uid } }] });
}
