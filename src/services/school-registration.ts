import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { conflict, invalidRequest, notFound } from '../lib/errors.js';
import { publicSchool, type School, type Subscriptions } from '../store/schools.js';
import { scheduleSafely } from './add-jobs.js';

/** Starts a registration test push: the school is pending until its endpoint acknowledges. */
export async function startVerification(deps: Deps, sid: number): Promise<void> {
  const verifyId = randomBytes(6).toString('hex');
  const change = await deps.schools.changeStatus(sid, 'verifying', verifyId);
  if (change.kind === 'missing') throw notFound('school');
  // Capped so a Redis outage cannot hang the request; a lost job is re-added by the reconciler.
  await scheduleSafely(deps, 'verify', () => deps.scheduler.verify(sid, verifyId));
}

/** SSRF: the endpoint may not point at private addresses (unless ALLOW_PRIVATE_ENDPOINTS). */
async function checkEndpoint(deps: Deps, url: string | undefined): Promise<void> {
  const problem = url === undefined ? undefined : await deps.endpointGuard.problem(url);
  if (problem) throw invalidRequest([{ path: 'endpointUrl', message: `${problem} (set ALLOW_PRIVATE_ENDPOINTS=true for local testing)` }]);
}

/** Registers a school and sends its test push; the secret and API key are returned only here. */
export async function registerSchool(
  deps: Deps,
  input: { sid: number; name: string; endpointUrl: string; secret?: string | undefined; subscriptions: Subscriptions; maxPushesPerS?: number | null | undefined },
): Promise<School & { secret: string; apiKey: string }> {
  await checkEndpoint(deps, input.endpointUrl);
  const created = await deps.schools.create(input);
  if (!created) throw conflict('school_exists', `school ${input.sid} already exists`);
  await startVerification(deps, input.sid);
  return { ...publicSchool(created.school), secret: created.secret, apiKey: created.apiKey };
}

type SchoolPatch = { name?: string; endpointUrl?: string; subscriptions?: Subscriptions; maxPushesPerS?: number | null };

/** Changes name, endpoint, subscriptions or push limit; a new endpoint is verified again. */
export async function updateSchool(deps: Deps, sid: number, patch: { [K in keyof SchoolPatch]?: SchoolPatch[K] | undefined }): Promise<School> {
  await checkEndpoint(deps, patch.endpointUrl);
  const before = await deps.schools.get(sid);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as SchoolPatch;
  if (!before || !(await deps.schools.update(sid, defined))) throw notFound('school');
  if (patch.endpointUrl !== undefined && patch.endpointUrl !== before.endpointUrl) await startVerification(deps, sid);
  return schoolView(deps, sid);
}

/** The school as the API shows it (404 when it is gone). */
export async function schoolView(deps: Deps, sid: number): Promise<School> {
  const school = await deps.schools.get(sid);
  if (!school) throw notFound('school');
  return publicSchool(school);
}
