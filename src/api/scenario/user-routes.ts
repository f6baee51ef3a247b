import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { exitUser, handRequest, passHost, shareScreen, updateUser } from '../../services/room-calls.js';
import { setBoard } from '../../services/room-board.js';
import { boardOff } from '../../services/rooms-errors.js';
import { handRequestSchema, stateSchema, userChangeSchema } from '../room-schemas.js';
import { roomCall, targetUser } from '../rooms.js';
import { ok } from '../rooms-views.js';
import { parse } from '../validate.js';

/**
 * User-level calls of the Agora Meeting clients under `…/v1/room/:roomId/user/:userId` (Web
 * `services/meeting-api.ts`, Android `service/MeetingService.java`, iOS `HTTP/URL.h`); each answers
 * `data: true` (Android parses `ResponseBody<Boolean>`).
 */
export function scenarioUserRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true });
  router.post('/:roomId/user/:userId', async (req, res) => {
    const changes = parse(userChangeSchema, req.body ?? {});
    if (changes.grantBoard === true && !deps.config.whiteboard) throw boardOff();
    await updateUser(deps, roomCall(req), targetUser(req), changes);
    ok(res, true);
  });
  // The Web client removes another user with this call too: the host may.
  router.post('/:roomId/user/:userId/exit', async (req, res) => {
    await exitUser(deps, roomCall(req), targetUser(req), true);
    ok(res, true);
  });
  router.post('/:roomId/user/:userId/host', async (req, res) => {
    await passHost(deps, roomCall(req), targetUser(req));
    ok(res, true);
  });
  router.post('/:roomId/user/:userId/screen', async (req, res) => {
    await shareScreen(deps, roomCall(req), targetUser(req), parse(stateSchema, req.body ?? {}).state);
    ok(res, true);
  });
  router.post('/:roomId/user/:userId/board', async (req, res) => {
    await setBoard(deps, roomCall(req), targetUser(req), parse(stateSchema, req.body ?? {}).state);
    ok(res, true);
  });
  router.post('/:roomId/user/:userId/host/invite', async (req, res) => {
    await handRequest(deps, roomCall(req), 'invite', targetUser(req), parse(handRequestSchema, req.body ?? {}));
    ok(res, true);
  });
  router.post('/:roomId/user/:userId/audience/apply', async (req, res) => {
    await handRequest(deps, roomCall(req), 'apply', targetUser(req), parse(handRequestSchema, req.body ?? {}));
    ok(res, true);
  });
  return router;
}
