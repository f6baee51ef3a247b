import { OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ingestBodySchema } from '../domain/events.js';
import { alertsQuery } from './alerts.js';
import { createAppSchema } from './apps.js';
import { closeClassSchema, putClassSchema } from './classes.js';
import { deliveriesQuery } from './deliveries.js';
import { exportQuery } from './deliveries-export.js';
import { createSchoolSchema, patchSchoolSchema, replaySchema } from './school-schemas.js';

/** Routes documented elsewhere (rooms, tokens, admin) add themselves through this hook. */
export type RouteDocs = (registry: OpenAPIRegistry) => void;

const json = (schema: z.ZodType, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const error = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), requestId: z.string() }) });
const errors = {
  400: json(error, 'Invalid request: every problem with its path'),
  401: json(error, 'Missing or invalid credentials'),
  403: json(error, 'Valid credentials used outside their scope'),
  404: json(error, 'Not found'),
  503: json(error, 'Redis unavailable; retry'),
};
const sid = z.object({ sid: z.number().int().positive() });
const sidClass = z.object({ sid: z.number().int().positive(), classId: z.number().int().positive() });
const eventId = z.object({ id: z.string() });
const appId = z.object({ appId: z.string() });
const body = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
const admin: Record<string, string[]>[] = [{ adminToken: [] }];
const schoolOrAdmin: Record<string, string[]>[] = [{ adminToken: [] }, { schoolApiKey: [] }];

const PATHS: RouteConfig[] = [
  { method: 'get', path: '/healthz', summary: 'The process runs', responses: { 200: json(z.object({ status: z.string() })) } },
  { method: 'get', path: '/readyz', summary: 'Redis answers', responses: { 200: json(z.object({ status: z.string() })), 503: json(z.object({ status: z.string() })) } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition' } } },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: { description: 'OpenAPI 3 document' } } },
  { method: 'post', path: '/v1/apps', summary: 'Create an app (classroom server); the secret is shown once', security: admin, request: body(createAppSchema), responses: { 201: json(z.object({ appId: z.string(), appSecret: z.string() })), ...errors } },
  { method: 'get', path: '/v1/apps', summary: 'List apps', security: admin, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'get', path: '/v1/apps/{appId}', summary: 'Get an app', security: admin, request: { params: appId }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'delete', path: '/v1/apps/{appId}', summary: 'Delete an app', security: admin, request: { params: appId }, responses: { 204: { description: 'Deleted' }, ...errors } },
  { method: 'post', path: '/v1/apps/{appId}/rotate-secret', summary: 'New app secret (shown once)', security: admin, request: { params: appId }, responses: { 200: json(z.object({ appSecret: z.string() })), ...errors } },
  { method: 'post', path: '/v1/schools', summary: 'Register a school; sends the registration test push', security: admin, request: body(createSchoolSchema), responses: { 201: { description: 'Created; secret and apiKey shown once' }, 409: json(error, 'sid taken'), ...errors } },
  { method: 'get', path: '/v1/schools', summary: 'List schools (a school sees itself)', security: schoolOrAdmin, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'get', path: '/v1/schools/{sid}', summary: 'Get a school', security: schoolOrAdmin, request: { params: sid }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'patch', path: '/v1/schools/{sid}', summary: 'Change name, endpoint (re-verified) or subscriptions', security: schoolOrAdmin, request: { params: sid, ...body(patchSchoolSchema) }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'delete', path: '/v1/schools/{sid}', summary: 'Delete a school and everything queued for it', security: admin, request: { params: sid }, responses: { 204: { description: 'Deleted' }, ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/verify', summary: 'Send the registration test push again', security: schoolOrAdmin, request: { params: sid }, responses: { 202: { description: 'Started' }, ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/pause', summary: 'Hold deliveries', security: admin, request: { params: sid }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/resume', summary: 'Resume deliveries', security: admin, request: { params: sid }, responses: { 200: { description: 'OK' }, 409: json(error, 'Not paused'), ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/rotate-secret', summary: 'New signing secret (shown once)', security: schoolOrAdmin, request: { params: sid }, responses: { 200: json(z.object({ secret: z.string() })), ...errors } },
  { method: 'get', path: '/v1/schools/{sid}/stats', summary: 'Backlog, head, counters and deliveries per minute', security: schoolOrAdmin, request: { params: sid }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/skip-head', summary: 'Skip the failing head event', security: admin, request: { params: sid, ...body(z.object({ eventId: z.string().optional() })) }, responses: { 200: json(z.object({ skipped: z.string() })), 409: json(error, 'Nothing waiting, or the head moved'), ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/replay', summary: 'Push a time range of events again', security: schoolOrAdmin, request: { params: sid, ...body(replaySchema) }, responses: { 202: json(z.object({ requeued: z.number() })), ...errors } },
  { method: 'put', path: '/v1/schools/{sid}/classes/{classId}', summary: 'Schedule a class (course schedule)', request: { params: sidClass, ...body(putClassSchema) }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'get', path: '/v1/schools/{sid}/classes/{classId}', summary: 'A class and its summary state', request: { params: sidClass }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'post', path: '/v1/schools/{sid}/classes/{classId}/close', summary: 'Close a class early (idempotent)', request: { params: sidClass, ...body(closeClassSchema) }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'post', path: '/v1/events', summary: 'Ingest one event or a batch (all or nothing)', security: [{ appBasic: [] }], request: body(ingestBodySchema), responses: { 202: json(z.object({ accepted: z.array(z.string()), duplicates: z.array(z.string()) })), 409: json(error, 'Event id used by another app'), 413: json(error, 'Body over 1 MiB'), ...errors } },
  { method: 'get', path: '/v1/events/{id}', summary: 'An event, its wire JSON and every attempt', security: schoolOrAdmin, request: { params: eventId }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'post', path: '/v1/events/{id}/redeliver', summary: 'Push a delivered or skipped event again', security: schoolOrAdmin, request: { params: eventId }, responses: { 202: { description: 'Queued' }, ...errors } },
  { method: 'get', path: '/v1/alerts', summary: 'Alerts: failing heads, failed verifications, recoveries (newest first)', security: schoolOrAdmin, request: { query: alertsQuery }, responses: { 200: { description: 'OK' }, ...errors } },
  { method: 'get', path: '/v1/deliveries', summary: 'The delivery log, newest first, cursor paging', security: schoolOrAdmin, request: { query: deliveriesQuery }, responses: { 200: { description: 'OK' }, ...errors } },
  {
    method: 'get', path: '/v1/deliveries/export', summary: 'The whole filtered delivery log as one streamed file (NDJSON or CSV), newest first, with each delivery\'s attempts', security: schoolOrAdmin, request: { query: exportQuery },
    responses: { 200: { description: 'A file (Content-Disposition: attachment)', content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } }, ...errors },
  },
];

/** The OpenAPI 3 document of every route, from the same zod schemas that validate requests. */
export function buildOpenApiDocument(extra: RouteDocs[] = []): ReturnType<OpenApiGeneratorV3['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
  registry.registerComponent('securitySchemes', 'schoolApiKey', { type: 'http', scheme: 'bearer', description: 'A school API key (sk_…)' });
  registry.registerComponent('securitySchemes', 'appBasic', { type: 'http', scheme: 'basic', description: 'appId:appSecret' });
  for (const path of PATHS) registry.registerPath(path);
  for (const add of extra) add(registry);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'classbell', version: '0.1.0', description: 'Ordered, signed, retry-until-acknowledged ClassIn data-subscription relay; rooms and tokens.' },
  });
}
