import request from 'supertest';
import { expect } from 'vitest';
import { z } from 'zod';
import { createApp, createHarness, type Harness } from './harness.js';

/** A flag as the clients read it: the integer 1 or 0. */
export const bit = z.literal([0, 1]);
/** Java `Integer`/`int` (Android's models): a signed 32-bit integer. */
export const int32 = z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
/** A string (or null, which every client tolerates for an absent string). */
export const str = z.string();

/** The envelope every client reads first: `{code, msg, data}`. */
export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ code: int32, msg: z.string(), data });
}

/** A room of the Agora Meeting clients' paths: app, Basic header, prefix. */
export interface MeetingRoom {
  h: Harness;
  appId: string;
  auth: { Authorization: string };
  /** `/scenario/meeting/apps/:appId/v1/room` */
  base: string;
}

/** A harness with one app, for the clients' paths (default settings unless `env`). */
export async function meetingHarness(name: string, env: Record<string, string> = {}, options: { workers?: boolean; sids?: number[] } = {}): Promise<MeetingRoom> {
  const h = await createHarness(name, { workers: options.workers ?? false, env });
  const { appId, auth } = await createApp(h.app, options.sids ?? '*');
  return { h, appId, auth, base: `/scenario/meeting/apps/${appId}/v1/room` };
}

/** Sends one call and checks the reply against the client's model (status 200, then the schema). */
export async function call<T extends z.ZodType>(
  m: MeetingRoom, method: 'get' | 'post', path: string, token: string | undefined, body: unknown, model: T,
): Promise<z.infer<T>> {
  const req = request(m.h.app)[method](`${m.base}${path}`).set(m.auth);
  if (token) req.set('token', token);
  const res = body === undefined ? await req : await req.send(body as object);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const parsed = envelope(model).safeParse(res.body);
  expect(parsed.success, `${path}: ${JSON.stringify(parsed.error?.issues)} in ${JSON.stringify(res.body)}`).toBe(true);
  return (parsed.data as { data: z.infer<T> }).data;
}

/** A business refusal as the clients see it: HTTP 200, the code, a message. */
export async function refused(m: MeetingRoom, method: 'get' | 'post', path: string, token: string, body: unknown, code: number): Promise<void> {
  const res = await request(m.h.app)[method](`${m.base}${path}`).set(m.auth).set('token', token).send(body as object);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ code, data: null });
  expect(typeof res.body.msg).toBe('string');
}
