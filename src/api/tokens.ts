import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { buildRtmToken } from '../domain/tokens.js';
import { AppError } from '../lib/errors.js';
import { claimUserIdentity } from '../services/user-identity.js';
import { requireApp } from './auth.js';
import { parse } from './validate.js';

/** Flexible Classroom tokens live at most 24 h (PROTOCOL.md §4). */
const MAX_TOKEN_TTL_S = 86_400;

export const rtmTokenSchema = z.strictObject({
  userUuid: z.string().min(1).max(64).describe('The user the RTM (Signaling) token logs in'),
  expireS: z.number().int().min(60).max(MAX_TOKEN_TTL_S).default(MAX_TOKEN_TTL_S).describe('Lifetime in seconds, at most 86400'),
});

/** /v1/tokens: the Flexible Classroom token server (apps, Basic credentials). */
export function tokensRouter(deps: Deps): Router {
  const router = Router();
  router.post('/rtm', async (req, res) => {
    const app = requireApp(res);
    const { userUuid, expireS } = parse(rtmTokenSchema, req.body);
    const agora = deps.config.agora;
    if (!agora) throw new AppError('not_configured', 404, 'the token server is off: set AGORA_APP_ID and AGORA_APP_CERTIFICATE');
    await claimUserIdentity(deps, app.appId, userUuid);
    const nowS = Math.floor(Date.now() / 1000);
    res.json({ token: buildRtmToken(agora, userUuid, expireS), expireAt: nowS + expireS });
  });
  return router;
}
