import type { RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';
import { AccessScripts } from './access-scripts.js';

/** A claim lasts this long after its last use (room entry or token): past it, the identity is free again. */
const USER_CLAIM_TTL_S = 30 * 86_400;

/**
 * Which app a user identity belongs to. Every app shares classbell's Agora (and ZEGO) project, so
 * a token for a userUuid is a login as that user in every app's rooms: one app per identity.
 */
export class UserIdentities {
  private readonly scripts: AccessScripts;

  constructor(redis: RedisClient, keys: Keys) {
    this.scripts = new AccessScripts(redis, keys);
  }

  /** Claims the identity for the app (or refreshes its claim); false when another app holds it. */
  async claim(appId: string, userUuid: string): Promise<boolean> {
    return this.scripts.claimUser({ appId, userUuid, ttlS: USER_CLAIM_TTL_S });
  }
}
