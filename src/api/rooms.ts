import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import {
  decideChat, decideEnd, decideExit, decideKick, decidePassHost, decideReward, decideRoomUpdate, decideUserUpdate, EXIT_REASON,
  ROOM_CODES, type Decision, type Member,
} from '../domain/room-rules.js';
import { AppError, forbidden } from '../lib/errors.js';
import { actAs, enterRoom, finishEndedRoom, readAs } from '../services/rooms.js';
import { noRoom } from '../services/rooms-errors.js';
import { claimUserIdentity } from '../services/user-identity.js';
import { requireApp, type Authenticator } from './auth.js';
import { jsonBody, roomCredentialsFirst } from './body.js';
import { streamRoomEvents } from './rooms-sse.js';
import { memberView, ok, roomErrorHandler, roomView, selfView } from './rooms-views.js';
import { parse } from './validate.js';

const id = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_.:-]+$/, 'only A-Z a-z 0-9 _ . : -');
const positive = () => z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const entrySchema = z.strictObject({
  roomName: z.string().trim().min(1).max(128),
  roomUuid: id(64).describe('The school\'s room id; the same roomUuid is the same room while it lives'),
  userName: z.string().trim().min(1).max(128),
  userUuid: id(64).describe('The school\'s user id; the same userUuid is the same user on any device'),
  uid: z.number().int().positive().max(2 ** 32 - 1).optional().describe('Numeric ClassIn UID; assigned stably per app and userUuid when absent'),
  role: z.enum(['host', 'audience']).optional(),
  password: z.string().min(1).max(64).optional(),
  enableVideo: z.boolean().optional(),
  enableAudio: z.boolean().optional(),
  classType: z.enum(['small', 'large']).optional(),
  sid: positive().optional(),
  classId: positive().optional(),
});

export const roomChangeSchema = z.strictObject({ muteAllChat: z.boolean().optional(), muteAllAudio: z.boolean().optional(), state: z.literal([0, 1]).optional() });
export const userChangeSchema = z.strictObject({
  enableAudio: z.boolean().optional(), enableVideo: z.boolean().optional(), enableChat: z.boolean().optional(),
  grantBoard: z.boolean().optional(), stage: z.boolean().optional(), handsUp: z.boolean().optional(),
});
export const kickSchema = z.strictObject({ durationS: z.number().int().nonnegative().max(7 * 86_400).default(0) });
export const hostSchema = z.strictObject({ userId: positive() });
export const chatSchema = z.strictObject({ message: z.string().min(1).max(2000) });
const usersQuery = z.object({
  role: z.coerce.number().pipe(z.literal([1, 2])).optional(),
  nextId: z.coerce.number().int().nonnegative().default(0),
  count: z.coerce.number().int().min(1).max(500).default(100),
});
const appParams = z.object({ appId: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 hex characters') });
const roomParams = appParams.extend({ roomId: z.string().regex(/^[0-9a-f]{16}$/, 'not a room id') });
const userParams = roomParams.extend({ userId: z.coerce.number().int().positive().max(999_999_999) });

const tokenOf = (req: Request): string | undefined => (typeof req.headers.token === 'string' ? req.headers.token : undefined);

/** /conf/v1/apps/:appId: the Agora-Meeting-compatible room API (envelope `{code, msg, data}`). */
export function roomsRouter(deps: Deps, auth: Authenticator): Router {
  const router = Router({ mergeParams: true });
  router.use(roomCredentialsFirst(auth), jsonBody);

  router.post('/room/entry', (req, res, next) => auth.middleware(req, res, next), async (req, res) => {
    const { appId } = parse(appParams, req.params, 'params');
    const app = requireApp(res);
    if (app.appId !== appId) throw forbidden('these credentials belong to another app');
    const input = parse(entrySchema, req.body);
    await claimUserIdentity(deps, app.appId, input.userUuid);
    ok(res, await enterRoom(deps, app, input));
  });

  /** Runs a decision as the caller and answers the room after it. */
  async function act(req: Request, res: Response, targets: number[], decide: Parameters<typeof actAs>[4], all = false) {
    const { appId, roomId } = parse(roomParams, req.params, 'params');
    const plan = await actAs(deps, roomId, tokenOf(req), { userIds: targets, all }, (a) => {
      if (a.room.appId !== appId) throw noRoom();
      return decide(a);
    });
    return plan;
  }

  router.get('/room/:roomId', async (req, res) => {
    const { appId, roomId } = parse(roomParams, req.params, 'params');
    const { room, actor, snap } = await readAs(deps, roomId, tokenOf(req));
    if (room.appId !== appId) throw noRoom();
    ok(res, { room: roomView(room, snap.host), user: selfView(deps.config, room, actor) });
  });

  router.post('/room/:roomId', async (req, res) => {
    const changes = parse(roomChangeSchema, req.body ?? {});
    let host: Member | undefined;
    const plan = await act(req, res, [], ({ room, actor, snap }): Decision => {
      host = snap.host;
      return changes.state === 0 ? decideEnd(room, actor, [...snap.members.values()]) : decideRoomUpdate(room, actor, changes);
    }, changes.state === 0);
    if (plan.room.state === 0) await finishEndedRoom(deps, plan.room);
    ok(res, { room: roomView(plan.room, plan.room.state === 0 ? undefined : host) });
  });

  router.post('/room/:roomId/end', async (req, res) => {
    const plan = await act(req, res, [], ({ room, actor, snap }) => decideEnd(room, actor, [...snap.members.values()]), true);
    await finishEndedRoom(deps, plan.room);
    ok(res, null);
  });

  router.post('/room/:roomId/user/:userId', async (req, res) => {
    const { userId } = parse(userParams, req.params, 'params');
    const changes = parse(userChangeSchema, req.body ?? {});
    let current: Member | undefined;
    const plan = await act(req, res, [userId], ({ room, actor, snap }) => {
      current = snap.members.get(userId);
      return decideUserUpdate(room, actor, current, changes);
    });
    const member = plan.members.find((m) => m.userId === userId) ?? current;
    ok(res, member ? memberView(member) : null);
  });

  router.post('/room/:roomId/user/:userId/exit', async (req, res) => {
    const { userId } = parse(userParams, req.params, 'params');
    await act(req, res, [userId], ({ room, actor, snap }): Decision =>
      actor.userId === userId
        ? decideExit(room, snap.members.get(userId), EXIT_REASON.normal)
        : { ok: false, code: ROOM_CODES.noPermission, msg: 'users exit themselves; the host kicks others out' });
    ok(res, null);
  });

  router.post('/room/:roomId/user/:userId/kick', async (req, res) => {
    const { userId } = parse(userParams, req.params, 'params');
    const { durationS } = parse(kickSchema, req.body ?? {});
    await act(req, res, [userId], ({ room, actor, snap }) => decideKick(room, actor, snap.members.get(userId), durationS, Date.now()));
    ok(res, null);
  });

  router.post('/room/:roomId/user/:userId/reward', async (req, res) => {
    const { userId } = parse(userParams, req.params, 'params');
    const plan = await act(req, res, [userId], ({ room, actor, snap }) => decideReward(room, actor, snap.members.get(userId)));
    ok(res, { rewards: plan.members[0]?.rewards ?? 0 });
  });

  router.post('/room/:roomId/host', async (req, res) => {
    const { userId } = parse(hostSchema, req.body);
    await act(req, res, [userId], ({ room, actor, snap }) => decidePassHost(room, actor, snap.members.get(userId)));
    ok(res, null);
  });

  router.post('/room/:roomId/chat', async (req, res) => {
    const { message } = parse(chatSchema, req.body);
    await act(req, res, [], ({ room, actor }) => decideChat(room, actor, message));
    ok(res, null);
  });

  router.post('/room/:roomId/heartbeat', async (req, res) => {
    const { appId, roomId } = parse(roomParams, req.params, 'params');
    const { room, actor } = await readAs(deps, roomId, tokenOf(req));
    if (room.appId !== appId) throw noRoom();
    await deps.rooms.heartbeat(roomId, actor.userId, Date.now());
    ok(res, { intervalS: deps.config.heartbeatIntervalS });
  });

  router.get('/room/:roomId/users', async (req, res) => {
    const { appId, roomId } = parse(roomParams, req.params, 'params');
    const query = parse(usersQuery, req.query, 'query');
    const { room, snap } = await readAs(deps, roomId, tokenOf(req), { all: true });
    if (room.appId !== appId) throw noRoom();
    const online = [...snap.members.values()].filter((m) => m.online && (query.role === undefined || m.role === query.role)).sort((a, b) => a.userId - b.userId);
    const page = online.filter((m) => m.userId > query.nextId).slice(0, query.count);
    const last = page.at(-1);
    ok(res, { total: online.length, list: page.map(memberView), nextId: last && online.at(-1) !== last ? last.userId : null });
  });

  router.get('/room/:roomId/events', async (req, res) => {
    const { appId, roomId } = parse(roomParams, req.params, 'params');
    const token = tokenOf(req) ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    const { room, actor } = await readAs(deps, roomId, token);
    if (room.appId !== appId) throw noRoom();
    const lastEventId = req.headers['last-event-id'] ?? req.query.lastEventId;
    await streamRoomEvents(deps, res, { roomId, userId: actor.userId, session: actor.session, lastSeq: typeof lastEventId === 'string' && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined });
  });

  router.use((req) => {
    throw new AppError('not_found', 404, `no route for ${req.method} ${req.path}`);
  });
  router.use(roomErrorHandler(deps.logger));
  return router;
}
