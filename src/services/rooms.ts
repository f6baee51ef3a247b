import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../deps.js';
import {
  decideEntry, decideExit, EXIT_REASON, type ClassType, type Decision, type EntryInput, type Member, type Plan, type RoomDoc,
} from '../domain/room-rules.js';
import { AppError, forbidden, invalidRequest, notFound } from '../lib/errors.js';
import { appServes, type App } from '../store/apps.js';
import { emptySnapshot, type HeartbeatChange, type RoomSnapshot } from '../store/rooms.js';
import { closeClass } from './class-schedule.js';
import { scheduleSafely } from './add-jobs.js';
import { loginFirst, RoomError } from './rooms-errors.js';
import { relayRoom } from './rooms-relay.js';
import { notifyRoomRtm } from './rooms-rtm.js';

/** uids classbell assigns start above this, far from small hand-picked test uids. */
const FIRST_ASSIGNED_UID = 1_000_000_000;
/** Attempts of one decision under contention (each retry re-reads the room). */
const MAX_ATTEMPTS = 200;
/** How long a new room's claim on its roomUuid lasts: creating it takes one round trip after that. */
const ROOM_CLAIM_MS = 5_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface EntryRequest {
  roomName: string;
  roomUuid: string;
  userName: string;
  userUuid: string;
  uid?: number | undefined;
  role?: 'host' | 'audience' | undefined;
  password?: string | undefined;
  enableVideo?: boolean | undefined;
  enableAudio?: boolean | undefined;
  classType?: ClassType | undefined;
  sid?: number | undefined;
  classId?: number | undefined;
  hostIfNone?: boolean;
  /** false: the session sends no heartbeats (the Agora Meeting clients). */
  heartbeats?: boolean;
}

/** The school and class a room reports to: `sid` (or the app's only school) and `classId`. */
async function linkOf(deps: Deps, app: App, input: EntryRequest): Promise<{ sid: number; classId: number } | undefined> {
  if (input.classId === undefined) {
    if (input.sid !== undefined) throw invalidRequest([{ path: 'classId', message: 'required with sid: events are reported for a class' }]);
    return undefined;
  }
  const only = app.sids !== '*' && app.sids.length === 1 ? app.sids[0] : undefined;
  const sid = input.sid ?? only;
  if (sid === undefined) throw invalidRequest([{ path: 'sid', message: 'required: this app serves more than one school' }]);
  if (!appServes(app, sid)) throw forbidden(`this app may not report for school ${sid}`);
  if (!(await deps.schools.get(sid))) throw notFound(`school ${sid}`);
  return { sid, classId: input.classId };
}

function newRoom(deps: Deps, app: App, roomId: string, input: EntryRequest, link: { sid: number; classId: number } | undefined, nowMs: number): RoomDoc {
  const classType = input.classType ?? 'small';
  const limits = deps.config.roomLimits[classType];
  return {
    roomId, appId: app.appId, roomUuid: input.roomUuid, roomName: input.roomName, channelName: roomId,
    passwordHash: input.password ? sha256(input.password) : '', classType, capacity: limits.capacity, stageSeats: limits.stageSeats,
    sid: link?.sid ?? null, classId: link?.classId ?? null, state: 1, startTimeMs: nowMs, muteAllChat: false, muteAllAudio: false,
    hostUserId: 0, nextUserId: 0, online: 0, stageAudience: 0, life: 0,
  };
}

/** Heartbeat entries follow sessions: a new session starts one, a user leaving ends it. */
function heartbeatChanges(snap: RoomSnapshot, plan: Plan): Map<number, HeartbeatChange> {
  const changes = new Map<number, HeartbeatChange>();
  for (const m of plan.members) {
    const before = snap.members.get(m.userId) ?? (snap.byUuid?.userId === m.userId ? snap.byUuid : undefined) ?? (snap.host?.userId === m.userId ? snap.host : undefined);
    const newSession = m.online && (!before?.online || before.session !== m.session);
    if (newSession && m.heartbeats !== false) changes.set(m.userId, 'add');
    else if ((!m.online || newSession) && before?.online) changes.set(m.userId, 'remove');
  }
  return changes;
}

/** After a commit: relay to the school, and plan the destruction of a room left empty. */
async function afterCommit(deps: Deps, plan: Plan): Promise<void> {
  const { room } = plan;
  if (plan.notices.length > 0) notifyRoomRtm(deps, room.roomId); // in the background: never waits for Agora
  if (room.sid !== null && room.classId !== null && plan.notices.length > 0) await relayRoom(deps, room.roomId);
  if (room.online === 0 && room.state === 1 && plan.members.some((m) => !m.online)) {
    const job = { roomId: room.roomId, appId: room.appId, roomUuid: room.roomUuid, life: room.life };
    await scheduleSafely(deps, 'room-destroy', () => deps.scheduler.roomDestroy(job, deps.config.roomEmptyTtlS * 1000));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Contention: after a few conflicts, wait a little (randomised) before reading again. */
async function backoff(attempt: number): Promise<void> {
  if (attempt >= 3) await pause(Math.random() * Math.min(50, attempt * 2));
}

interface EntryTarget {
  roomId: string;
  snap: RoomSnapshot;
  /** Only for a new room: the index value its roomUuid claim replaces ('' = no entry). */
  replaces?: string;
}

/**
 * The room a roomUuid names: the live one, or a new roomId (claimed just before it is created) when
 * the index has no entry or names a room that does not exist (a crash between a destruction and its
 * index update). Undefined while another entry is creating the room the index names: retry.
 */
async function entryTarget(deps: Deps, appId: string, input: EntryRequest): Promise<EntryTarget | undefined> {
  const indexed = await deps.rooms.roomIdFor(appId, input.roomUuid);
  if (indexed !== undefined) {
    const snap = await deps.rooms.load(indexed, { userUuid: input.userUuid });
    if (snap.room) return { roomId: indexed, snap };
    if (await deps.rooms.creating(indexed)) return undefined;
    // Read again after looking at the claim: a room created before its claim ended is seen now.
    const again = await deps.rooms.load(indexed, { userUuid: input.userUuid });
    if (again.room) return { roomId: indexed, snap: again };
  }
  return { roomId: randomBytes(8).toString('hex'), snap: emptySnapshot(), replaces: indexed ?? '' };
}

/** POST /room/entry: creates the room on first entry, admits the user, returns their token. */
export async function enterRoom(deps: Deps, app: App, input: EntryRequest): Promise<{ roomId: string; userId: number; userToken: string; uid: number; roomName: string }> {
  const link = await linkOf(deps, app, input);
  const uid = input.uid ?? (await deps.rooms.assignedUid(app.appId, input.userUuid, FIRST_ASSIGNED_UID));
  const secret = randomBytes(24).toString('base64url');
  const session = randomBytes(8).toString('hex');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const nowMs = Date.now();
    const target = await entryTarget(deps, app.appId, input);
    if (!target) {
      await backoff(attempt);
      continue;
    }
    const { roomId, snap } = target;
    let room = snap.room ?? newRoom(deps, app, roomId, input, link, nowMs);
    if (room.sid === null && link) room = { ...room, sid: link.sid, classId: link.classId };
    const entry: EntryInput = {
      userUuid: input.userUuid, userName: input.userName, uid, role: input.role, passwordHash: input.password ? sha256(input.password) : '',
      enableAudio: input.enableAudio, enableVideo: input.enableVideo, tokenHash: '', session, hostIfNone: input.hostIfNone ?? false, heartbeats: input.heartbeats ?? true,
    };
    const decision = decideEntry({ room, existing: snap.byUuid, host: snap.host, banUntilMs: snap.banUntilMs, nowMs }, entry);
    if (!decision.ok) throw new RoomError(decision.code, decision.msg);
    const member = decision.plan.members.find((m) => m.userUuid === input.userUuid) as Member;
    const userToken = `${member.userId}.${secret}`;
    member.tokenHash = sha256(userToken);
    // A new room claims its roomUuid after the decision (which may refuse the entry) and before the
    // commit that creates it (which needs the claim): the index never names a room that another
    // entry could create in its place.
    const claimed = target.replaces === undefined || (await deps.rooms.claimRoomUuid(app.appId, input.roomUuid, target.replaces, roomId, ROOM_CLAIM_MS));
    const result = claimed ? await deps.rooms.commit(snap.room ? snap.ver : '0', decision.plan, heartbeatChanges(snap, decision.plan), nowMs) : undefined;
    if (result?.kind === 'ok') {
      await afterCommit(deps, decision.plan);
      return { roomId, userId: member.userId, userToken, uid: member.uid, roomName: room.roomName };
    }
    await backoff(attempt);
  }
  throw new AppError('busy', 503, 'the room is too busy, retry');
}

/** The user behind a token: `<userId>.<secret>`, checked against the member's current token. */
export function tokenUserId(token: string | undefined): number {
  const m = token ? /^(\d{1,9})\.[A-Za-z0-9_-]{16,64}$/.exec(token) : null;
  if (!m) throw loginFirst();
  return Number(m[1]);
}

/** Throws 10005 unless the member is online with exactly this token (constant-time comparison). */
function checkToken(member: Member | undefined, token: string): Member {
  if (!member?.online || !member.tokenHash) throw loginFirst();
  const given = Buffer.from(sha256(token), 'hex');
  const stored = Buffer.from(member.tokenHash, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) throw loginFirst();
  return member;
}

export interface Actor {
  snap: RoomSnapshot;
  room: RoomDoc;
  actor: Member;
}

/** Reads the room for a token's user (and other members), checking the token. */
export async function readAs(deps: Deps, roomId: string, token: string | undefined, ask: { userIds?: number[]; all?: boolean } = {}): Promise<Actor> {
  const userId = tokenUserId(token);
  const snap = await deps.rooms.load(roomId, { userIds: [userId, ...(ask.userIds ?? [])], all: ask.all ?? false });
  // A token for a room that does not exist (any more) gets the same answer as a wrong token, so a
  // caller cannot tell which room ids exist (API.md: never reveal whether another room exists).
  if (!snap.room) throw loginFirst();
  const actor = checkToken(snap.members.get(userId), token as string);
  return { snap, room: snap.room, actor };
}

/** Runs one decision as the token's user, retried until it commits on an unchanged room. */
export async function actAs(
  deps: Deps, roomId: string, token: string | undefined, ask: { userIds?: number[]; all?: boolean },
  decide: (a: Actor) => Decision,
): Promise<Plan> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const a = await readAs(deps, roomId, token, ask);
    const decision = decide(a);
    if (!decision.ok) throw new RoomError(decision.code, decision.msg);
    const plan = decision.plan;
    if (plan.notices.length === 0 && plan.members.length === 0) return plan;
    const result = await deps.rooms.commit(a.snap.ver, plan, heartbeatChanges(a.snap, plan), Date.now());
    if (result.kind === 'ok') {
      await afterCommit(deps, plan);
      return plan;
    }
    await backoff(attempt);
  }
  throw new AppError('busy', 503, 'the room is too busy, retry');
}

/** Runs a decision made by classbell itself (heartbeat sweep); false when it no longer applies. */
async function actAsSystem(deps: Deps, roomId: string, userIds: number[], decide: (snap: RoomSnapshot, room: RoomDoc) => Decision | undefined): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const snap = await deps.rooms.load(roomId, { userIds });
    if (!snap.room) return false;
    const decision = decide(snap, snap.room);
    if (!decision?.ok) return false;
    const result = await deps.rooms.commit(snap.ver, decision.plan, heartbeatChanges(snap, decision.plan), Date.now());
    if (result.kind === 'ok') {
      await afterCommit(deps, decision.plan);
      return true;
    }
    await backoff(attempt);
  }
  return false;
}

/**
 * The host ended the room: everyone has been told (state 0, exits with reason 2). Relays what is
 * left to the school, closes the class (which schedules the lesson summary) and clears the room.
 */
export async function finishEndedRoom(deps: Deps, room: RoomDoc): Promise<void> {
  if (room.sid !== null && room.classId !== null) {
    await closeClass(deps, room.sid, room.classId, Math.floor(Date.now() / 1000));
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    await relayRoom(deps, room.roomId);
    const result = await deps.rooms.destroy(room, undefined);
    if (result !== 'pending') return;
    await pause(100); // another process holds the relay lock: let it finish
  }
  deps.logger.warn('ended room still has notifications to relay; the relay sweep will finish it', { roomId: room.roomId });
}

/** The heartbeat sweep: users silent since cutoffMs leave with reason 6 (disconnected). */
export async function sweepSilentUsers(deps: Deps, nowMs = Date.now()): Promise<number> {
  const cutoffMs = nowMs - (2 * deps.config.heartbeatIntervalS + 2) * 1000;
  const silent = await deps.rooms.silentUsers(cutoffMs, 500);
  let removed = 0;
  for (const { roomId, userId } of silent) {
    const seenMs = await deps.rooms.lastSeen(roomId, userId);
    if (seenMs === undefined || seenMs >= cutoffMs) continue; // came back meanwhile
    const done = await actAsSystem(deps, roomId, [userId], (snap, room) => {
      const member = snap.members.get(userId);
      return member?.online ? decideExit(room, member, EXIT_REASON.disconnected) : undefined;
    });
    if (done) removed++;
    // Not online (any more) or no such room: an entry a crash or a failed commit left behind.
    else await deps.rooms.forgetHeartbeat(roomId, userId, cutoffMs, nowMs);
  }
  return removed;
}
