import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { chatSchema, entrySchema, hostSchema, kickSchema, roomChangeSchema, userChangeSchema } from './room-schemas.js';
import { rtmTokenSchema } from './tokens.js';

const envelope = z.object({ code: z.number().int().describe('0 success; GoClass code 10001–10010; else the HTTP status'), msg: z.string(), data: z.unknown() });
const json = (description: string) => ({ description, content: { 'application/json': { schema: envelope } } });
const responses = {
  200: json('code 0: success'),
  400: json('Invalid request: data.details lists every problem with its path'),
  401: json('10005 login first (missing, invalid or superseded user token)'),
  403: json('10003 no permission, 10010 not the host'),
  404: json('10004 user not in room, 10006 room does not exist'),
  409: json('10001 host already in, 10002 room full, 10007 co-host seats full'),
  501: json('10011 the whiteboard is not configured (shareBoard)'),
};
const body = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
const P = '/conf/v1/apps/{appId}/room';
const roomParams = z.object({ appId: z.string(), roomId: z.string() });
const userParams = roomParams.extend({ userId: z.number().int() });
const user: Record<string, string[]>[] = [{ userToken: [] }];

const ROUTES: RouteConfig[] = [
  { method: 'post', path: `${P}/entry`, summary: 'Enter a room (created on first entry); returns roomId, userId, userToken', security: [{ appBasic: [] }], request: { params: z.object({ appId: z.string() }), ...body(entrySchema) }, responses },
  { method: 'get', path: `${P}/{roomId}`, summary: 'The room and the caller (with RTC/RTM/ZEGO tokens when configured)', security: user, request: { params: roomParams }, responses },
  { method: 'post', path: `${P}/{roomId}`, summary: 'Host: mute all chat/audio; state 0 ends the room', security: user, request: { params: roomParams, ...body(roomChangeSchema) }, responses },
  { method: 'post', path: `${P}/{roomId}/end`, summary: 'Host: end the room (everyone told, class closed, room cleared)', security: user, request: { params: roomParams }, responses },
  { method: 'post', path: `${P}/{roomId}/user/{userId}`, summary: 'Change a user (host: anyone; a participant: some of their own state)', security: user, request: { params: userParams, ...body(userChangeSchema) }, responses },
  { method: 'post', path: `${P}/{roomId}/user/{userId}/exit`, summary: 'Leave the room (self)', security: user, request: { params: userParams }, responses },
  { method: 'post', path: `${P}/{roomId}/user/{userId}/kick`, summary: 'Host: kick out with a re-entry ban of durationS', security: user, request: { params: userParams, ...body(kickSchema) }, responses },
  { method: 'post', path: `${P}/{roomId}/user/{userId}/reward`, summary: 'Host: one more reward (running total returned)', security: user, request: { params: userParams }, responses },
  { method: 'post', path: `${P}/{roomId}/host`, summary: 'Host: pass the host role', security: user, request: { params: roomParams, ...body(hostSchema) }, responses },
  { method: 'post', path: `${P}/{roomId}/chat`, summary: 'Send a chat message', security: user, request: { params: roomParams, ...body(chatSchema) }, responses },
  { method: 'post', path: `${P}/{roomId}/heartbeat`, summary: 'I am still here (silent for 2 × interval + 2 s means disconnected)', security: user, request: { params: roomParams }, responses },
  {
    method: 'get', path: `${P}/{roomId}/users`, summary: 'Online users, paged by userId', security: user,
    request: { params: roomParams, query: z.object({ role: z.number().int().optional(), nextId: z.number().int().optional(), count: z.number().int().optional() }) }, responses,
  },
  { method: 'get', path: `${P}/{roomId}/events`, summary: 'Server-Sent Events {cmd, version, timestamp, seq, data}; Last-Event-ID replays; ?token= accepted', security: user, request: { params: roomParams }, responses: { 200: { description: 'text/event-stream' } } },
  {
    method: 'post', path: '/v1/tokens/rtm', summary: 'Flexible Classroom token server: an RTM token for a userUuid (≤ 24 h)', security: [{ appBasic: [] }], request: body(rtmTokenSchema),
    responses: { 200: { description: '{token, expireAt}' }, 400: { description: 'Invalid request' }, 401: { description: 'No credentials' }, 403: { description: 'Not an app' }, 404: { description: 'not_configured: Agora credentials are not set' } },
  },
];

/** The room and token routes in the OpenAPI document (hook of api/openapi.ts). */
export function roomDocs(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'userToken', { type: 'apiKey', in: 'header', name: 'token', description: 'The userToken from room entry' });
  for (const route of ROUTES) registry.registerPath(route);
}
