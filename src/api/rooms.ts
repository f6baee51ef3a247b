import { Router, type Request } from 'express';
import type { Deps } from '../deps.js';
import { AppError, forbidden } from '../lib/errors.js';
import {
  endRoom, exitUser, heartbeat, kickUser, listUsers, passHost, readIn, rewardUser, sendChat, updateRoom, updateUser, type RoomCall,
} from '../services/room-calls.js';
import { enterRoom } from '../services/rooms.js';
import { claimUserIdentity } from '../services/user-identity.js';
import { requireApp, type Authenticator } from './auth.js';
import { jsonBody, roomCredentialsFirst } from './body.js';
import {
  appParams, chatSchema, entrySchema, hostSchema, kickSchema, roomChangeSchema, roomParams, userChangeSchema, userParams, usersQuery,
} from './room-schemas.js';
import { streamRoomEvents } from './rooms-sse.js';
import { memberView, ok, roomErrorHandler, roomView, selfView } from './rooms-views.js';
import { parse } from './validate.js';


const tokenOf = (req: Request): string | undefined => (typeof req.headers.token === 'string' ? req.headers.token : undefined);

/** The app, room and token of a room call. */
export function roomCall(req: Request, token = tokenOf(req)): RoomCall {
  const { appId, roomId } = parse(roomParams, req.params, 'params');
  return { appId, roomId, token };
}

/** The target userId of a `…/user/:userId/…` call. */
export const targetUser = (req: Request): number => parse(userParams, req.params, 'params').userId;

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
  router.get('/room/:roomId', async (req, res) => {
    const { room, actor, snap } = await readIn(deps, roomCall(req));
    ok(res, { room: roomView(room, snap.host), user: selfView(deps.config, room, actor) });
  });
  router.post('/room/:roomId', async (req, res) => {
    const { plan, host } = await updateRoom(deps, roomCall(req), parse(roomChangeSchema, req.body ?? {}));
    ok(res, { room: roomView(plan.room, host) });
  });
  router.post('/room/:roomId/end', async (req, res) => ok(res, await endRoom(deps, roomCall(req)) ?? null));
  router.post('/room/:roomId/user/:userId', async (req, res) => {
    const member = await updateUser(deps, roomCall(req), targetUser(req), parse(userChangeSchema, req.body ?? {}));
    ok(res, member ? memberView(member) : null);
  });
  router.post('/room/:roomId/user/:userId/exit', async (req, res) => ok(res, await exitUser(deps, roomCall(req), targetUser(req), false) ?? null));
  router.post('/room/:roomId/user/:userId/kick', async (req, res) => {
    const { durationS } = parse(kickSchema, req.body ?? {});
    ok(res, await kickUser(deps, roomCall(req), targetUser(req), durationS) ?? null);
  });
  router.post('/room/:roomId/user/:userId/reward', async (req, res) => ok(res, { rewards: await rewardUser(deps, roomCall(req), targetUser(req)) }));
  router.post('/room/:roomId/host', async (req, res) => ok(res, await passHost(deps, roomCall(req), parse(hostSchema, req.body).userId) ?? null));
  router.post('/room/:roomId/chat', async (req, res) => ok(res, await sendChat(deps, roomCall(req), parse(chatSchema, req.body).message) ?? null));
  router.post('/room/:roomId/heartbeat', async (req, res) => {
    await heartbeat(deps, roomCall(req));
    ok(res, { intervalS: deps.config.heartbeatIntervalS });
  });
  router.get('/room/:roomId/users', async (req, res) => {
    const { total, page, more } = await listUsers(deps, roomCall(req), parse(usersQuery, req.query, 'query'));
    ok(res, { total, list: page.map(memberView), nextId: more ? (page.at(-1)?.userId ?? null) : null });
  });
  router.get('/room/:roomId/events', async (req, res) => {
    const call = roomCall(req, tokenOf(req) ?? (typeof req.query.token === 'string' ? req.query.token : undefined));
    const { actor } = await readIn(deps, call);
    const lastEventId = req.headers['last-event-id'] ?? req.query.lastEventId;
    await streamRoomEvents(deps, res, { roomId: call.roomId, userId: actor.userId, session: actor.session, lastSeq: typeof lastEventId === 'string' && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined });
  });
  router.use((req) => {
    throw new AppError('not_found', 404, `no route for ${req.method} ${req.path}`);
  });
  router.use(roomErrorHandler(deps.logger));
  return router;
}
