import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { buildRtmToken } from '../../domain/tokens.js';
import { forbidden } from '../../lib/errors.js';
import { listUsers, readIn, sendChat, shareScreen, updateRoom } from '../../services/room-calls.js';
import { enterRoom } from '../../services/rooms.js';
import { claimUserIdentity } from '../../services/user-identity.js';
import { requireApp, type Authenticator } from '../auth.js';
import { appParams, chatSchema, entrySchema, roomChangeSchema, stateSchema, usersQuery } from '../room-schemas.js';
import { roomCall } from '../rooms.js';
import { ok } from '../rooms-views.js';
import { parse } from '../validate.js';
import { clientMember, clientRoom, clientSelf, clientTokens } from './views.js';

/** The app of a call made with the app's Basic credentials (entry). */
function appOf(req: Request, res: Response) {
  const { appId } = parse(appParams, req.params, 'params');
  const app = requireApp(res);
  if (app.appId !== appId) throw forbidden('these credentials belong to another app');
  return app;
}

/** `POST …/room/entry` (v1 for Web and Android, v2 for iOS) with the app's Basic credentials. */
export function scenarioEntryRoute(deps: Deps, auth: Authenticator): Router {
  const router = Router({ mergeParams: true });
  router.post('/entry', (req, res, next) => auth.middleware(req, res, next), async (req, res) => {
    const app = appOf(req, res);
    // The clients send no role: the room's first user hosts it, as in Agora Meeting.
    // They send no heartbeats either (the seed service follows their RTM presence): no sweep for them.
    const input = parse(entrySchema, req.body);
    // A user identity belongs to one app (docs/operations.md, "Security").
    await claimUserIdentity(deps, app.appId, input.userUuid);
    const entered = await enterRoom(deps, app, { ...input, hostIfNone: true, heartbeats: false });
    // iOS sends its RTM token and uid as headers on later calls (HttpManager saveHttpHeader1).
    const rtmToken = deps.config.agora ? buildRtmToken(deps.config.agora, String(entered.uid), deps.config.roomTokenTtlS) : null;
    ok(res, {
      roomId: entered.roomId, userId: String(entered.userId), userToken: entered.userToken,
      room: { roomId: entered.roomId, appId: app.appId, roomName: entered.roomName },
      user: { userId: String(entered.userId), userToken: entered.userToken, uid: entered.uid, rtmToken },
    });
  });
  return router;
}

/**
 * Room-level calls of the Agora Meeting clients under `/scenario/meeting/apps/:appId/v1/room`
 * (Web `services/meeting-api.ts`, Android `service/MeetingService.java`, iOS `HTTP/URL.h`).
 * Calls that change something answer `data: true` (Android parses `ResponseBody<Boolean>`).
 */
export function scenarioRoomRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true });
  router.get('/:roomId', async (req, res) => {
    const { room, actor, snap } = await readIn(deps, roomCall(req), { all: true });
    ok(res, { room: clientRoom(room, { host: snap.host, members: [...snap.members.values()] }), user: clientSelf(deps.config, room, actor) });
  });
  router.post('/:roomId', async (req, res) => {
    await updateRoom(deps, roomCall(req), parse(roomChangeSchema, req.body ?? {}));
    ok(res, true);
  });
  router.get('/:roomId/user/page', async (req, res) => {
    const query = parse(usersQuery, req.query, 'query');
    const { total, page } = await listUsers(deps, roomCall(req), query);
    // nextId is the last userId of the page, so the page after the last one is empty: Android asks
    // until it gets an empty list, iOS until it holds `total` users, Web asks once.
    ok(res, { count: page.length, total, nextId: String(page.at(-1)?.userId ?? query.nextId), list: page.map(clientMember) });
  });
  router.post('/:roomId/screen', async (req, res) => {
    await shareScreen(deps, roomCall(req), undefined, parse(stateSchema, req.body ?? {}).state);
    ok(res, true);
  });
  router.post('/:roomId/token/refresh', async (req, res) => {
    const { room, actor } = await readIn(deps, roomCall(req));
    ok(res, clientTokens(deps.config, room, actor));
  });
  router.post('/:roomId/chat', async (req, res) => {
    await sendChat(deps, roomCall(req), parse(chatSchema, req.body).message);
    ok(res, true);
  });
  return router;
}
