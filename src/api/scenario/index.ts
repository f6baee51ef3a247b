import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import type { Authenticator } from '../auth.js';
import { jsonBody, roomCredentialsFirst } from '../body.js';
import { roomErrorHandler } from '../rooms-views.js';
import { scenarioAppRoutes, scenarioExtraRoutes } from './misc-routes.js';
import { scenarioEntryRoute, scenarioRoomRoutes } from './room-routes.js';
import { scenarioUserRoutes } from './user-routes.js';

/**
 * `/scenario/meeting`: the room service as the open-source Agora Meeting clients (v1 line) call it
 * (API.md "The real Agora Meeting clients"). A refusal by a room rule is HTTP 200 with its code,
 * since the clients read `code` only from a 2xx reply; invalid requests stay 400.
 */
export function scenarioRouter(deps: Deps, auth: Authenticator): Router {
  const router = Router();
  const room = Router({ mergeParams: true });
  // Credentials from the headers first; only then is a body read (as on /conf and /v1).
  room.use(roomCredentialsFirst(auth, '/entry'), jsonBody);
  room.use(scenarioEntryRoute(deps, auth));
  room.use(scenarioRoomRoutes(deps));
  room.use(scenarioExtraRoutes(deps, auth));
  room.use(scenarioUserRoutes(deps));
  router.use('/apps/:appId/v1/room', room);
  // iOS enters through v2 (the same body, with the flags as strings).
  const v2 = Router({ mergeParams: true });
  v2.use(roomCredentialsFirst(auth, '/entry'), jsonBody);
  v2.use(scenarioEntryRoute(deps, auth));
  router.use('/apps/:appId/v2/room', v2);
  router.use(scenarioAppRoutes());
  router.use((req) => {
    throw new AppError('not_found', 404, `no route for ${req.method} ${req.path}`);
  });
  router.use(roomErrorHandler(deps.logger, 200));
  return router;
}
