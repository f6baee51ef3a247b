/**
 * Agora Interactive Whiteboard (Netless): creating a board room through its REST API
 * (`POST {apiUrl}/v5/rooms` with an SDK token) and signing room tokens with the npm package
 * `netless-token` (the format Agora documents for app servers).
 */
import { roomToken, sdkToken, TokenRole } from 'netless-token';
import type { Config } from '../config.js';
import { AppError } from './errors.js';

export type WhiteboardConfig = NonNullable<Config['whiteboard']>;

const REQUEST_TIMEOUT_MS = 10_000;
/** SDK tokens for one REST call live this long. */
const SDK_TOKEN_LIFESPAN_MS = 10 * 60_000;

/** Creates a board room; returns its uuid. A failure is a 502 (the room call can be retried). */
export async function createBoardRoom(config: WhiteboardConfig): Promise<string> {
  const token = sdkToken(config.ak, config.sk, SDK_TOKEN_LIFESPAN_MS, { role: TokenRole.Admin });
  let response: Response;
  try {
    response = await fetch(new URL('v5/rooms', config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', token, region: config.region },
      body: JSON.stringify({ isRecord: false, limit: 0 }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (error) {
    throw new AppError('whiteboard_unavailable', 502, `the whiteboard service did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body = (await response.json().catch(() => undefined)) as { uuid?: unknown; message?: unknown } | undefined;
  if ((response.status !== 200 && response.status !== 201) || typeof body?.uuid !== 'string' || body.uuid === '') {
    const reason = typeof body?.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
    throw new AppError('whiteboard_unavailable', 502, `the whiteboard service refused to create a room (HTTP ${response.status})${reason}`);
  }
  return body.uuid;
}

/** A room token for a board room: writer for users who may draw, reader for the others. */
export function boardToken(config: WhiteboardConfig, uuid: string, writer: boolean, lifespanS: number): string {
  return roomToken(config.ak, config.sk, lifespanS * 1000, { uuid, role: writer ? TokenRole.Writer : TokenRole.Reader });
}
