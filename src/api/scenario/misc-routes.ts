import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { AppError, forbidden } from '../../lib/errors.js';
import { boardInfo } from '../../services/room-board.js';
import { noRoom } from '../../services/rooms-errors.js';
import { requireApp, type Authenticator } from '../auth.js';
import { roomParams } from '../room-schemas.js';
import { roomCall } from '../rooms.js';
import { ok } from '../rooms-views.js';
import { parse } from '../validate.js';

const versionQuery = z.object({
  appCode: z.string().max(64).optional(), osType: z.coerce.number().int().optional(),
  terminalType: z.coerce.number().int().optional(), appVersion: z.string().max(32).optional(),
});

/**
 * Calls outside the room (`/scenario/meeting/v1/…`): the app version check (iOS asks it before
 * entry, Android `CommonService`) and the error-message translations (Web, Android). classbell
 * never asks for an upgrade (`forcedUpgrade` 1) and has no translations of its own (`{}`).
 */
export function scenarioAppRoutes(): Router {
  const router = Router();
  router.get('/v1/app/version', (req, res) => {
    const q = parse(versionQuery, req.query, 'query');
    ok(res, {
      appCode: q.appCode ?? '', osType: q.osType ?? 0, terminalType: q.terminalType ?? 0, appVersion: q.appVersion ?? '',
      latestVersion: q.appVersion ?? '', appPackage: '', upgradeDescription: '', forcedUpgrade: 1, upgradeUrl: '', reviewing: 0, remindTimes: 0,
      config: {},
    });
  });
  router.get('/v1/multi/language', (_req, res) => ok(res, {}));
  return router;
}

/** Room calls beside the room itself: the board, the Web's `simple` room info, recording (not offered). */
export function scenarioExtraRoutes(deps: Deps, auth: Authenticator): Router {
  const router = Router({ mergeParams: true });
  router.get('/:roomId/board', async (req, res) => ok(res, await boardInfo(deps, roomCall(req))));
  // The Web client asks it with the app's Basic credentials only (no user token).
  router.get('/:roomId/simple', (req: Request, res: Response, next: () => void) => auth.middleware(req, res, next), async (req, res) => {
    const { appId, roomId } = parse(roomParams, req.params, 'params');
    if (requireApp(res).appId !== appId) throw forbidden('these credentials belong to another app');
    const room = await deps.rooms.doc(roomId);
    if (!room || room.appId !== appId) throw noRoom();
    ok(res, { roomId: room.roomId, roomUuid: room.roomUuid, roomName: room.roomName, channelName: room.channelName, password: '' });
  });
  const noRecording = () => {
    throw new AppError('not_supported', 501, 'cloud recording is not part of classbell');
  };
  router.post('/:roomId/record/start', noRecording);
  router.post('/:roomId/record/:recordId/stop', noRecording);
  router.get('/:roomId/records', noRecording);
  router.get('/:roomId/record/:recordId', noRecording);
  return router;
}
