import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { chatSchema, entrySchema, handRequestSchema, roomChangeSchema, stateSchema, userChangeSchema } from '../room-schemas.js';

const envelope = z.object({ code: z.number().int().describe('0 success; a room rule\'s refusal (10001–10011, 501) arrives with HTTP 200'), msg: z.string(), data: z.unknown() });
const responses = {
  200: { description: 'code 0 success, or a refusal by a room rule (its code)', content: { 'application/json': { schema: envelope } } },
  400: { description: 'Invalid request: data.details lists every problem with its path', content: { 'application/json': { schema: envelope } } },
};
const body = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
const P = '/scenario/meeting/apps/{appId}/v1/room';
const roomParams = z.object({ appId: z.string(), roomId: z.string() });
const userParams = roomParams.extend({ userId: z.string() });
const recordParams = roomParams.extend({ recordId: z.string() });
const user: Record<string, string[]>[] = [{ userToken: [] }];
const app: Record<string, string[]>[] = [{ appBasic: [] }];

type Route = [method: 'get' | 'post', path: string, summary: string, request: RouteConfig['request'], security?: Record<string, string[]>[]];
const ROUTES: Route[] = [
  ['post', `${P}/entry`, 'Agora Meeting clients: enter (flags 1/0; the first user hosts)', { params: z.object({ appId: z.string() }), ...body(entrySchema) }, app],
  ['post', '/scenario/meeting/apps/{appId}/v2/room/entry', 'iOS client: enter (flags as "1"/"0")', { params: z.object({ appId: z.string() }), ...body(entrySchema) }, app],
  ['get', `${P}/{roomId}`, 'The room (integer flags, user lists) and the caller with tokens', { params: roomParams }],
  ['post', `${P}/{roomId}`, 'Host: muteAllChat, muteAllAudio (0/1/2), state 0 ends, shareBoard, lockBoard', { params: roomParams, ...body(roomChangeSchema) }],
  ['get', `${P}/{roomId}/user/page`, 'Users by role, paged; the page after the last is empty', { params: roomParams, query: z.object({ role: z.string().optional(), nextId: z.string().optional(), count: z.string().optional() }) }],
  ['post', `${P}/{roomId}/screen`, 'Start (1) or stop (0) the caller\'s screen share', { params: roomParams, ...body(stateSchema) }],
  ['post', `${P}/{roomId}/token/refresh`, 'New RTC, RTM and screen tokens of the caller', { params: roomParams }],
  ['post', `${P}/{roomId}/chat`, 'A chat message', { params: roomParams, ...body(chatSchema) }],
  ['get', `${P}/{roomId}/board`, '{boardId, boardToken}; the board room is created on first use (null without WHITEBOARD_*)', { params: roomParams }],
  ['get', `${P}/{roomId}/simple`, 'Room name, uuid and channel (app credentials)', { params: roomParams }, app],
  ['post', `${P}/{roomId}/record/start`, 'Not offered: code 501', { params: roomParams }],
  ['post', `${P}/{roomId}/record/{recordId}/stop`, 'Not offered: code 501', { params: recordParams }],
  ['get', `${P}/{roomId}/records`, 'Not offered: code 501', { params: roomParams }],
  ['get', `${P}/{roomId}/record/{recordId}`, 'Not offered: code 501', { params: recordParams }],
  ['post', `${P}/{roomId}/user/{userId}`, 'Change a user (flags 1/0)', { params: userParams, ...body(userChangeSchema) }],
  ['post', `${P}/{roomId}/user/{userId}/exit`, 'Leave; the host may remove another user', { params: userParams }],
  ['post', `${P}/{roomId}/user/{userId}/host`, 'Host: pass the host role', { params: userParams }],
  ['post', `${P}/{roomId}/user/{userId}/screen`, 'Start own / stop (own, or anyone\'s as host) screen share', { params: userParams, ...body(stateSchema) }],
  ['post', `${P}/{roomId}/user/{userId}/board`, 'Open/close/leave the board (self), grant/revoke it (host or opener)', { params: userParams, ...body(stateSchema) }],
  ['post', `${P}/{roomId}/user/{userId}/host/invite`, 'Host invites (action 1) or rejects the user\'s request (2)', { params: userParams, ...body(handRequestSchema) }],
  ['post', `${P}/{roomId}/user/{userId}/audience/apply`, 'The caller applies to the host (1) or rejects its invitation (2)', { params: userParams, ...body(handRequestSchema) }],
  ['get', '/scenario/meeting/v1/app/version', 'App version check (never asks for an upgrade)', {}, []],
  ['get', '/scenario/meeting/v1/multi/language', 'Error-message translations: none ({})', {}, []],
];

/** The Agora Meeting clients' paths in the OpenAPI document (hook of api/openapi.ts). */
export function scenarioDocs(registry: OpenAPIRegistry): void {
  for (const [method, path, summary, request, security] of ROUTES) {
    registry.registerPath({ method, path, summary, tags: ['Agora Meeting clients'], security: security ?? user, request, responses });
  }
}
