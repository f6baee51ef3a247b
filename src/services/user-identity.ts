import type { Deps } from '../deps.js';
import { forbidden } from '../lib/errors.js';
import { UserIdentities } from '../store/user-identities.js';

/**
 * Makes a userUuid the app's own before it gets a token or a seat in the app's room (the first app
 * to use it keeps it while it is in use): another app's user gets 403, never a token of theirs.
 */
export async function claimUserIdentity(deps: Deps, appId: string, userUuid: string): Promise<void> {
  const mine = await new UserIdentities(deps.redis, deps.keys).claim(appId, userUuid);
  if (!mine) throw forbidden('this userUuid belongs to another app\'s users');
}
