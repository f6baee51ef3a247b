/**
 * Room rules (PROTOCOL.md §2–§4), as pure functions. Each `decide…` takes a snapshot of the room
 * and the users concerned and returns either a GoClass error code or a plan: the new room document,
 * the changed member records and the notifications to broadcast, in order. The store commits a
 * plan only if the room did not change since the snapshot (compare-and-set on its version), so
 * every rule here holds under any number of concurrent callers.
 */

/** GoClass codes (PROTOCOL.md §3), code 0 = success. */
export const ROOM_CODES = {
  teacherAlreadyIn: 10001,
  roomFull: 10002,
  noPermission: 10003,
  notInRoom: 10004,
  loginFirst: 10005,
  noRoom: 10006,
  seatsFull: 10007,
  alreadySharing: 10008,
  notSharing: 10009,
  notTeacher: 10010,
  /** Not a GoClass code: the whiteboard is not configured (WHITEBOARD_* unset). */
  boardOff: 10011,
} as const;
export type RoomCode = (typeof ROOM_CODES)[keyof typeof ROOM_CODES];

/** Notification cmd numbers (PROTOCOL.md §2). */
export const ROOM_CMD = { chat: 1, access: 2, room: 3, user: 4, board: 5, screen: 6, host: 7, kick: 8 } as const;

/** Exit reasons reported to schools (PROTOCOL.md §1). */
export const EXIT_REASON = { normal: 1, roomClosed: 2, kicked: 4, disconnected: 6, loginElsewhere: 60 } as const;
export type ExitReason = (typeof EXIT_REASON)[keyof typeof EXIT_REASON];

export type ClassType = 'small' | 'large';
/** 1 host (teacher), 2 audience (student), as in Agora Meeting. */
export type RoomRole = 1 | 2;

export interface RoomLimits {
  capacity: number;
  stageSeats: number;
}

/** The room as stored (one JSON document, versioned by the store). */
export interface RoomDoc {
  roomId: string;
  appId: string;
  roomUuid: string;
  roomName: string;
  channelName: string;
  /** SHA-256 hex of the password, '' for none. */
  passwordHash: string;
  classType: ClassType;
  capacity: number;
  stageSeats: number;
  sid: number | null;
  classId: number | null;
  /** 1 normal, 0 ended. */
  state: 0 | 1;
  startTimeMs: number;
  muteAllChat: boolean;
  muteAllAudio: boolean;
  /** The host's userId, 0 when the room never had one. The host may be offline (seat reserved). */
  hostUserId: number;
  nextUserId: number;
  /** Users online now (host included). */
  online: number;
  /** Audience members on stage now (the host's seat is not counted: it is always kept). */
  stageAudience: number;
  /** Incremented by every entry: a pending empty-room destruction for an older life is stale. */
  life: number;
  /** While muted: 1 participants may unmute themselves, 2 they may not (absent = 2; the clients' muteAllAudio). */
  muteAllAudioLevel?: 1 | 2;
  /** The userId sharing the screen, 0 or absent when nobody shares. */
  screenUserId?: number;
  /** The board: shared (opened) by `ownerUserId`, 0 or absent when closed. */
  boardOwnerUserId?: number;
  /** Host lock: only the host grants the board (and opens or closes it). */
  boardLocked?: boolean;
}

export interface Member {
  userId: number;
  userUuid: string;
  userName: string;
  uid: number;
  role: RoomRole;
  enableAudio: boolean;
  enableVideo: boolean;
  enableChat: boolean;
  grantBoard: boolean;
  stage: boolean;
  handsUp: boolean;
  rewards: number;
  online: boolean;
  /** SHA-256 hex of the current userToken, '' when logged out. */
  tokenHash: string;
  /** Random id of the current device session (tells the pushed-out device from the new one). */
  session: string;
  /** Sharing the screen now (absent on records written before screen share existed). */
  grantScreen?: boolean;
  /** Pending host invitations to this user, by module (1 audio, 2 video, 3 board). */
  invited?: HandModule[];
  /** Pending requests of this user to the host, by module. */
  applied?: HandModule[];
  /** false: this session sends no heartbeats (the Agora Meeting clients), so the sweep leaves it alone. */
  heartbeats?: boolean;
}

/** The modules of a raise-hand request (the clients' `type`): 1 audio, 2 video, 3 board. */
export type HandModule = 1 | 2 | 3;

export interface Notice {
  cmd: number;
  data: Record<string, unknown>;
}

export interface Plan {
  room: RoomDoc;
  /** Changed or new member records. */
  members: Member[];
  notices: Notice[];
  /** A re-entry ban to record. */
  ban?: { userUuid: string; untilMs: number };
}

export type Decision = { ok: true; plan: Plan } | { ok: false; code: RoomCode; msg: string };

/** A refused decision. */
export const fail = (code: RoomCode, msg: string): Decision => ({ ok: false, code, msg });
/** A decision to commit. */
export const succeed = (plan: Plan): Decision => ({ ok: true, plan });
/** Nothing to change. */
export const unchanged = (room: RoomDoc): Decision => succeed({ room, members: [], notices: [] });

function accessNotice(member: Member, action: 'enter' | 'exit', total: number, reason?: ExitReason): Notice {
  return {
    cmd: ROOM_CMD.access,
    data: {
      action, userId: member.userId, uid: member.uid, userName: member.userName, role: member.role, total,
      ...(reason !== undefined ? { reason, session: member.session } : {}),
    },
  };
}

/**
 * The RTC uid of a member's screen share: a second uid in the channel, above the uids classbell
 * assigns (from 1e9 up) and still a signed 32-bit integer, as Android's `Integer screenId` needs.
 */
const SCREEN_UID_BASE = 2_000_000_000;
export const screenIdOf = (m: Pick<Member, 'userId'>): number => SCREEN_UID_BASE + m.userId;

/** cmd 6: a screen share started (state 1) or stopped (state 0). */
export function screenNotice(sharer: Member, state: 0 | 1, by: Member | undefined): Notice {
  return {
    cmd: ROOM_CMD.screen,
    data: { state, userId: sharer.userId, uid: sharer.uid, userName: sharer.userName, role: sharer.role, screenId: screenIdOf(sharer), ...(by ? { byUserId: by.userId, byUid: by.uid } : {}) },
  };
}

/** A member leaving stops their screen share and closes the board they opened. */
function releaseShares(room: RoomDoc, member: Member): { room: RoomDoc; notices: Notice[] } {
  let next = room;
  const notices: Notice[] = [];
  if (room.screenUserId === member.userId) {
    next = { ...next, screenUserId: 0 };
    notices.push(screenNotice(member, 0, undefined));
  }
  if (room.boardOwnerUserId === member.userId) {
    next = { ...next, boardOwnerUserId: 0 };
    notices.push({ cmd: ROOM_CMD.board, data: { shareBoard: 0, ownerUserId: member.userId, userId: member.userId, uid: member.uid } });
  }
  return { room: next, notices };
}

/** Takes a member out of the room: seat, hand, shares, requests and token released; the rest of the state is kept. */
function takeOut(room: RoomDoc, member: Member, reason: ExitReason): { room: RoomDoc; member: Member; notices: Notice[] } {
  const released = releaseShares(room, member);
  const online = room.online - 1;
  const stageAudience = room.stageAudience - (member.role === 2 && member.stage ? 1 : 0);
  const out: Member = {
    ...member, online: false, stage: member.role === 1 ? member.stage : false, handsUp: false, tokenHash: '', grantScreen: false, invited: [], applied: [],
  };
  return { room: { ...released.room, online, stageAudience }, member: out, notices: [...released.notices, accessNotice(member, 'exit', online, reason)] };
}

export interface EntryInput {
  userUuid: string;
  userName: string;
  uid: number;
  role?: 'host' | 'audience';
  passwordHash: string;
  enableAudio?: boolean;
  enableVideo?: boolean;
  tokenHash: string;
  session: string;
  /** Without `role`, the first user of a room that never had a host becomes it (the Agora Meeting clients send no role). */
  hostIfNone?: boolean;
  /** false: the session sends no heartbeats (see Member.heartbeats). */
  heartbeats?: boolean;
}

export interface EntrySnapshot {
  room: RoomDoc;
  /** The entering user's record, if they were ever in this room. */
  existing?: Member;
  /** The current host's record, if another user holds the role. */
  host?: Member;
  banUntilMs: number;
  nowMs: number;
}

/** Who may enter and as what: password, ban, one host, capacity with the host's seat reserved. */
export function decideEntry(s: EntrySnapshot, input: EntryInput): Decision {
  const { room, existing, host } = s;
  if (room.state !== 1) return fail(ROOM_CODES.noRoom, 'the room has ended');
  if (room.passwordHash !== '' && room.passwordHash !== input.passwordHash) return fail(ROOM_CODES.noPermission, 'wrong room password');
  if (s.banUntilMs > s.nowMs) {
    return fail(ROOM_CODES.noPermission, `kicked out: may enter again in ${Math.ceil((s.banUntilMs - s.nowMs) / 1000)} s`);
  }
  const role: RoomRole = input.role === 'host' ? 1 : input.role === 'audience' ? 2 : (existing?.role ?? (input.hostIfNone && room.hostUserId === 0 ? 1 : 2));
  const otherHost = host && host.userId !== existing?.userId ? host : undefined;
  if (role === 1 && otherHost?.online) return fail(ROOM_CODES.teacherAlreadyIn, 'the room already has a host');
  const wasOnline = existing?.online === true;
  const hostOnline = (otherHost?.online ?? false) || (existing?.role === 1 && wasOnline);
  if (!wasOnline && role === 2 && room.online - (hostOnline ? 1 : 0) >= room.capacity - 1) {
    return fail(ROOM_CODES.roomFull, 'the room is full');
  }
  const next: RoomDoc = { ...room, life: room.life + 1 };
  const members: Member[] = [];
  const notices: Notice[] = [];
  let base: Member;
  if (existing) {
    base = existing;
    if (wasOnline) {
      // A new login takes over: the old device is pushed out, the user's state stays.
      notices.push({ cmd: ROOM_CMD.kick, data: { userId: existing.userId, uid: existing.uid, reason: EXIT_REASON.loginElsewhere, session: existing.session } });
      notices.push(accessNotice(existing, 'exit', room.online - 1, EXIT_REASON.loginElsewhere));
      next.online -= 1;
    }
  } else {
    next.nextUserId += 1;
    base = {
      // Absent on entry, audio and video are on (API.md: every Agora Meeting client agrees).
      userId: next.nextUserId, userUuid: input.userUuid, userName: input.userName, uid: input.uid, role: 2,
      enableAudio: true, enableVideo: true, enableChat: true, grantBoard: false, stage: false, handsUp: false,
      rewards: 0, online: false, tokenHash: '', session: '',
    };
  }
  let member: Member = {
    ...base, userName: input.userName, uid: input.uid, role, online: true, tokenHash: input.tokenHash, session: input.session, heartbeats: input.heartbeats ?? true,
    enableAudio: existing && wasOnline ? base.enableAudio : (input.enableAudio ?? base.enableAudio),
    enableVideo: existing && wasOnline ? base.enableVideo : (input.enableVideo ?? base.enableVideo),
  };
  if (role === 2 && room.muteAllAudio) member.enableAudio = false;
  const wasStagedAudience = wasOnline && base.role === 2 && base.stage;
  if (role === 1) {
    member = { ...member, stage: true, grantBoard: true };
    if (wasStagedAudience) next.stageAudience -= 1;
  } else if (base.role === 1) {
    member = { ...member, stage: false, grantBoard: false };
  }
  next.online += 1;
  if (role === 1 && next.hostUserId !== member.userId) {
    if (otherHost) members.push({ ...otherHost, role: 2, stage: false, grantBoard: false });
    notices.push({ cmd: ROOM_CMD.host, data: { hostUserId: member.userId, previousHostUserId: next.hostUserId } });
    next.hostUserId = member.userId;
  } else if (role === 2 && next.hostUserId === member.userId) {
    notices.push({ cmd: ROOM_CMD.host, data: { hostUserId: 0, previousHostUserId: member.userId } });
    next.hostUserId = 0;
  }
  notices.push(accessNotice(member, 'enter', next.online));
  members.push(member);
  return succeed({ room: next, members, notices });
}

/** Host only: a user is taken out and may not come back for durationS. */
export function decideKick(room: RoomDoc, actor: Member, target: Member | undefined, durationS: number, nowMs: number): Decision {
  if (actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host kicks users out');
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  if (target.userId === actor.userId) return fail(ROOM_CODES.noPermission, 'the host cannot kick themselves out');
  const out = takeOut(room, target, EXIT_REASON.kicked);
  return succeed({
    room: out.room,
    members: [out.member],
    notices: [
      { cmd: ROOM_CMD.kick, data: { userId: target.userId, uid: target.uid, reason: EXIT_REASON.kicked, durationS, session: target.session, byUserId: actor.userId, byUid: actor.uid } },
      ...out.notices,
    ],
    ...(durationS > 0 ? { ban: { userUuid: target.userUuid, untilMs: nowMs + durationS * 1000 } } : {}),
  });
}

/** Host only: one more reward for a participant (the running total is reported). */
export function decideReward(room: RoomDoc, actor: Member, target: Member | undefined): Decision {
  if (actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host gives rewards');
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  if (target.role === 1) return fail(ROOM_CODES.noPermission, 'the host cannot be rewarded');
  const updated = { ...target, rewards: target.rewards + 1 };
  return succeed({
    room,
    members: [updated],
    notices: [{ cmd: ROOM_CMD.user, data: { userId: target.userId, uid: target.uid, role: target.role, changes: { rewards: updated.rewards }, byUserId: actor.userId, byUid: actor.uid } }],
  });
}

/** Host only: the host role passes to another online user. */
export function decidePassHost(room: RoomDoc, actor: Member, target: Member | undefined): Decision {
  if (actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host passes the host role');
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  if (target.userId === actor.userId) return succeed({ room, members: [], notices: [] });
  const next = { ...room, hostUserId: target.userId, stageAudience: room.stageAudience - (target.stage ? 1 : 0) };
  const newHost: Member = { ...target, role: 1, stage: true, grantBoard: true, handsUp: false };
  const oldHost: Member = { ...actor, role: 2, stage: false, grantBoard: false };
  const roleNotice = (m: Member, before: Member): Notice => ({
    cmd: ROOM_CMD.user,
    data: { userId: m.userId, uid: m.uid, role: m.role, changes: { role: m.role, ...(m.stage !== before.stage ? { stage: m.stage } : {}), ...(m.grantBoard !== before.grantBoard ? { grantBoard: m.grantBoard } : {}) }, byUserId: actor.userId, byUid: actor.uid },
  });
  return succeed({
    room: next,
    members: [newHost, oldHost],
    notices: [
      { cmd: ROOM_CMD.host, data: { hostUserId: target.userId, previousHostUserId: actor.userId } },
      roleNotice(newHost, target),
      roleNotice(oldHost, actor),
    ],
  });
}

/** A user leaves (themselves: normal; the heartbeat sweep: disconnected). */
export function decideExit(room: RoomDoc, target: Member | undefined, reason: ExitReason): Decision {
  if (!target?.online) return fail(ROOM_CODES.notInRoom, 'the user is not in the room');
  const out = takeOut(room, target, reason);
  return succeed({ room: out.room, members: [out.member], notices: out.notices });
}

/** Chat: blocked by mute-all-chat (except for the host) and by a personal chat ban. */
export function decideChat(room: RoomDoc, actor: Member, message: string): Decision {
  if (actor.role !== 1 && room.muteAllChat) return fail(ROOM_CODES.noPermission, 'the host muted the chat');
  if (!actor.enableChat) return fail(ROOM_CODES.noPermission, 'chat is disabled for you');
  return succeed({ room, members: [], notices: [{ cmd: ROOM_CMD.chat, data: { fromUserId: actor.userId, uid: actor.uid, userName: actor.userName, message } }] });
}

/** Host only: everyone is told the room ended, then every online user leaves (reason 2). */
export function decideEnd(room: RoomDoc, actor: Member, everyone: Member[]): Decision {
  if (actor.role !== 1) return fail(ROOM_CODES.notTeacher, 'only the host ends the room');
  let next: RoomDoc = { ...room, state: 0 };
  const notices: Notice[] = [{ cmd: ROOM_CMD.room, data: { changes: { state: 0 }, byUserId: actor.userId, byUid: actor.uid } }];
  const members: Member[] = [];
  // The host leaves last, so the school sees the students go first.
  const online = everyone.filter((m) => m.online).sort((a, b) => (a.role === 1 ? 1 : 0) - (b.role === 1 ? 1 : 0) || a.userId - b.userId);
  for (const member of online) {
    const out = takeOut(next, member, EXIT_REASON.roomClosed);
    next = out.room;
    members.push(out.member);
    notices.push(...out.notices);
  }
  return succeed({ room: next, members, notices });
}

