import { randomBytes } from 'node:crypto';
import request, { type Response, type Test } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/store/alerts.js';
import { admin, createHarness, type Harness } from '../helpers/harness.js';
import { mountedEndpoints } from '../helpers/routes.js';

/**
 * Tenant isolation (issue 6, point 5): every mounted endpoint × every credential a tenant A could
 * hold, aimed at tenant B's resources. Each cell answers exactly the status written in the table
 * (API.md "Actors and credentials": wrong or missing credential 401; valid but out of scope 403 on
 * /v1; another school's event id 404), and no response carries anything of tenant B that the
 * request did not itself name. Out-of-scope answers must also be the same for a B that does not
 * exist ("ghost"), so they never reveal whether the other school, app, event or room exists.
 */

const KINDS = ['none', 'wrongSecret', 'otherApp', 'otherSchoolKey', 'otherRoomToken', 'otherSchoolSession'] as const;
type Kind = (typeof KINDS)[number];
type Expected = Record<Kind, number>;

/**
 * How a route takes credentials, i.e. what each kind puts where:
 * - v1 / entry / public: `Authorization` (Basic or Bearer), the `token` header, or A's dashboard cookie;
 * - room: the same, but "wrong secret" is B's user id with a forged token secret;
 * - client: a room call on the Agora Meeting clients' paths (a refusal is HTTP 200 with its code);
 * - page: the dashboard, where "wrong secret" is a forged session cookie;
 * - login: POST /admin/login, where each credential is sent as the form's `token`.
 */
type Style = 'v1' | 'entry' | 'room' | 'client' | 'page' | 'login' | 'public';

/** The resources of the tenant under attack (B), or of a B that does not exist (ghost). */
interface Target {
  sid: number;
  appId: string;
  classId: number;
  eventId: string;
  roomId: string;
  userId: number;
}

interface Probe {
  path: string;
  body?: Record<string, unknown>;
}

interface Row {
  /** As mountedEndpoints() names it. */
  route: string;
  style: Style;
  expect: Expected;
  probe: (t: Target) => Probe;
  /** Aimed at one tenant's resource: a ghost target must get the same out-of-scope answers. */
  ghost: boolean;
}

const answers = (none: number, wrongSecret: number, otherApp: number, otherSchoolKey: number, otherRoomToken: number, otherSchoolSession: number): Expected =>
  ({ none, wrongSecret, otherApp, otherSchoolKey, otherRoomToken, otherSchoolSession });

//                                   none wrong app  key  token session
/** Admin only: any valid non-admin credential is out of scope. */
const ADMIN_ONLY = answers(401, 401, 403, 403, 401, 403);
/** Admin or the school itself (a school's session cookie counts as the school). */
const THE_SCHOOL = answers(401, 401, 403, 403, 401, 403);
/** Admin, the school, or an app serving it (course schedule): A's app does not serve B. */
const SCHOOL_OR_ITS_APP = answers(401, 401, 403, 403, 401, 403);
/** Apps posting for their own schools (ingest): A's app does not serve B. */
const APP_FOR_ITS_SCHOOL = answers(401, 401, 403, 403, 401, 403);
/** Admin or the event's school, by event id: another school's event is 404 (API.md), an app 403. */
const EVENT_OF_THE_SCHOOL = answers(401, 401, 403, 404, 401, 404);
/** A list a school may read, filtered to its own rows (checked below to hold only A's). */
const OWN_ROWS_ONLY = answers(401, 401, 403, 200, 401, 200);
/** The Flexible Classroom token server: any app, for its own users. */
const ANY_APP = answers(401, 401, 200, 403, 401, 403);
/** Room entry: the app named in the path, with its Basic credentials. */
const ENTRY = answers(401, 401, 403, 403, 401, 403);
/** Room calls: only the token of a user in that room; anything else is "login first" (10005). */
const ROOM_USER = answers(401, 401, 401, 401, 401, 401);
/** The same on the Agora Meeting clients' paths: HTTP 200 with code 10005 (the clients read the code only from a 2xx reply). */
const CLIENT_USER = answers(200, 200, 200, 200, 200, 200);
/** Metrics name the schools with the largest backlogs: the admin token (or METRICS_TOKEN) only. */
const METRICS = answers(401, 401, 401, 401, 401, 401);
/** Anyone: nothing tenant-specific in it. */
const PUBLIC = answers(200, 200, 200, 200, 200, 200);
/** The login page: anyone; a signed-in session is sent on to the dashboard. */
const LOGIN_PAGE = answers(200, 200, 200, 200, 200, 302);
/** Dashboard pages: no session → login redirect; A's session sees A's page shell. */
const PAGE = answers(302, 302, 302, 302, 302, 200);
/** Bull Board's JSON API: no session 401, a school's session 403 (operators only). */
const QUEUES_API = answers(401, 401, 401, 401, 401, 403);
/** Dashboard login: only the admin token or a school key signs in (A's own key: A's own session). */
const LOGIN = answers(401, 401, 401, 303, 401, 401);
/** Logout: nothing to end without a session (303); A's session without its CSRF token is refused. */
const LOGOUT = answers(303, 303, 303, 303, 303, 403);

const SID_A = 7310001;
const SID_B = 7320002;
const CLASS_A = 8810001;
const CLASS_B = 8820002;
const ROOM_UUID_B = 'room-b-zq7x';

const HOUR_S = 3600;
const school = (t: Target) => `/v1/schools/${t.sid}`;
const klass = (t: Target) => `/v1/schools/${t.sid}/classes/${t.classId}`;
const room = (t: Target) => `/conf/v1/apps/${t.appId}/room/${t.roomId}`;
const member = (t: Target) => `${room(t)}/user/${t.userId}`;
const croom = (t: Target) => `/scenario/meeting/apps/${t.appId}/v1/room/${t.roomId}`;
const cmember = (t: Target) => `${croom(t)}/user/${t.userId}`;
const clientRow = (method: 'GET' | 'POST', suffix: string, path: (t: Target) => string, body?: Record<string, unknown>): Row => ({
  route: `${method} /scenario/meeting/apps/:appId/v1/room/:roomId${suffix}`, style: 'client', expect: CLIENT_USER, ghost: true, probe: (t) => ({ path: path(t), ...(body ? { body } : {}) }),
});
const entryRow = (route: string, path: (t: Target) => string): Row => ({
  route, style: 'entry', expect: ENTRY, ghost: true,
  probe: (t) => ({ path: path(t), body: { roomName: 'x', roomUuid: ROOM_UUID_B, userName: 'intruder', userUuid: 'intruder', enableVideo: 1, enableAudio: 1 } }),
});
const recordingRow = (method: 'GET' | 'POST', suffix: string, path: (t: Target) => string): Row => ({
  route: `${method} /scenario/meeting/apps/:appId/v1/room/:roomId${suffix}`, style: 'public', expect: PUBLIC, ghost: true, probe: (t) => ({ path: path(t) }),
});

const TABLE: Row[] = [
  // Public: health, metrics, API documents, static assets, the login page.
  // (/metrics labels its backlog gauges by sid, naming B's sid to anyone: reported, not fixed here.)
  { route: 'GET /metrics', style: 'v1', expect: METRICS, ghost: false, probe: () => ({ path: '/metrics' }) },
  { route: 'GET /healthz', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/healthz' }) },
  { route: 'GET /readyz', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/readyz' }) },
  { route: 'GET /openapi.json', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/openapi.json' }) },
  { route: 'GET /docs', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/docs' }) },
  { route: 'GET /docs/init.js', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/docs/init.js' }) },
  { route: 'USE /docs/assets', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/docs/assets/swagger-initializer.js' }) },
  { route: 'USE /admin/static', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/admin/static/admin.css' }) },
  { route: 'GET /admin/login', style: 'page', expect: LOGIN_PAGE, ghost: false, probe: () => ({ path: '/admin/login' }) },

  // Apps (admin only).
  { route: 'POST /v1/apps', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: '/v1/apps', body: { name: 'intruder', sids: [t.sid] } }) },
  { route: 'GET /v1/apps', style: 'v1', expect: ADMIN_ONLY, ghost: false, probe: () => ({ path: '/v1/apps' }) },
  { route: 'GET /v1/apps/:appId', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: `/v1/apps/${t.appId}` }) },
  { route: 'DELETE /v1/apps/:appId', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: `/v1/apps/${t.appId}` }) },
  { route: 'POST /v1/apps/:appId/rotate-secret', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: `/v1/apps/${t.appId}/rotate-secret` }) },

  // Course schedule.
  {
    route: 'PUT /v1/schools/:sid/classes/:classId', style: 'v1', expect: SCHOOL_OR_ITS_APP, ghost: true,
    probe: (t) => ({ path: klass(t), body: { courseId: 1, title: 'hijacked', startTime: 1763848800, closeTime: 1763848800 + HOUR_S } }),
  },
  { route: 'GET /v1/schools/:sid/classes/:classId', style: 'v1', expect: SCHOOL_OR_ITS_APP, ghost: true, probe: (t) => ({ path: klass(t) }) },
  { route: 'POST /v1/schools/:sid/classes/:classId/close', style: 'v1', expect: SCHOOL_OR_ITS_APP, ghost: true, probe: (t) => ({ path: `${klass(t)}/close`, body: {} }) },

  // Schools.
  {
    route: 'POST /v1/schools', style: 'v1', expect: ADMIN_ONLY, ghost: true,
    probe: (t) => ({ path: '/v1/schools', body: { sid: t.sid, name: 'intruder', endpointUrl: 'http://127.0.0.1:9/intruder' } }),
  },
  { route: 'GET /v1/schools', style: 'v1', expect: OWN_ROWS_ONLY, ghost: false, probe: () => ({ path: '/v1/schools' }) },
  { route: 'GET /v1/schools/:sid', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: school(t) }) },
  { route: 'PATCH /v1/schools/:sid', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: school(t), body: { name: 'renamed by intruder' } }) },
  { route: 'DELETE /v1/schools/:sid', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: school(t) }) },
  { route: 'POST /v1/schools/:sid/verify', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: `${school(t)}/verify`, body: {} }) },
  { route: 'POST /v1/schools/:sid/pause', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: `${school(t)}/pause`, body: {} }) },
  { route: 'POST /v1/schools/:sid/resume', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: `${school(t)}/resume`, body: {} }) },
  { route: 'POST /v1/schools/:sid/rotate-secret', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: `${school(t)}/rotate-secret`, body: {} }) },
  { route: 'GET /v1/schools/:sid/stats', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: `${school(t)}/stats` }) },
  { route: 'POST /v1/schools/:sid/skip-head', style: 'v1', expect: ADMIN_ONLY, ghost: true, probe: (t) => ({ path: `${school(t)}/skip-head`, body: {} }) },
  {
    route: 'POST /v1/schools/:sid/replay', style: 'v1', expect: THE_SCHOOL, ghost: true,
    probe: (t) => ({ path: `${school(t)}/replay`, body: { since: new Date(Date.now() - HOUR_S * 1000).toISOString() } }),
  },

  // Events, deliveries, alerts, tokens.
  {
    route: 'POST /v1/events', style: 'v1', expect: APP_FOR_ITS_SCHOOL, ghost: true,
    probe: (t) => ({ path: '/v1/events', body: { type: 'hands_up', sid: t.sid, classId: t.classId, uid: 1, up: true } }),
  },
  { route: 'GET /v1/events/:id', style: 'v1', expect: EVENT_OF_THE_SCHOOL, ghost: true, probe: (t) => ({ path: `/v1/events/${t.eventId}` }) },
  { route: 'POST /v1/events/:id/redeliver', style: 'v1', expect: EVENT_OF_THE_SCHOOL, ghost: true, probe: (t) => ({ path: `/v1/events/${t.eventId}/redeliver`, body: {} }) },
  { route: 'GET /v1/deliveries', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: `/v1/deliveries?sid=${t.sid}` }) },
  { route: 'GET /v1/deliveries/export', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: `/v1/deliveries/export?sid=${t.sid}&format=csv` }) },
  { route: 'GET /v1/alerts', style: 'v1', expect: THE_SCHOOL, ghost: true, probe: (t) => ({ path: `/v1/alerts?sid=${t.sid}` }) },
  { route: 'POST /v1/tokens/rtm', style: 'v1', expect: ANY_APP, ghost: false, probe: () => ({ path: '/v1/tokens/rtm', body: { userUuid: 'intruder-own-user' } }) },

  // Dashboard.
  { route: 'POST /admin/login', style: 'login', expect: LOGIN, ghost: false, probe: () => ({ path: '/admin/login' }) },
  { route: 'POST /admin/logout', style: 'page', expect: LOGOUT, ghost: false, probe: () => ({ path: '/admin/logout' }) },
  { route: 'USE /admin/queues', style: 'page', expect: QUEUES_API, ghost: false, probe: () => ({ path: '/admin/queues/api/queues' }) },
  { route: 'GET /admin', style: 'page', expect: PAGE, ghost: false, probe: () => ({ path: '/admin' }) },
  { route: 'GET /admin/deliveries', style: 'page', expect: PAGE, ghost: false, probe: () => ({ path: '/admin/deliveries' }) },
  { route: 'GET /admin/alerts', style: 'page', expect: PAGE, ghost: false, probe: () => ({ path: '/admin/alerts' }) },
  { route: 'GET /admin/events/:id', style: 'page', expect: PAGE, ghost: true, probe: (t) => ({ path: `/admin/events/${t.eventId}` }) },

  // Rooms.
  {
    route: 'POST /conf/v1/apps/:appId/room/entry', style: 'entry', expect: ENTRY, ghost: true,
    probe: (t) => ({ path: `/conf/v1/apps/${t.appId}/room/entry`, body: { roomName: 'x', roomUuid: ROOM_UUID_B, userName: 'intruder', userUuid: 'intruder' } }),
  },
  { route: 'GET /conf/v1/apps/:appId/room/:roomId', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: room(t) }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: room(t), body: { muteAllChat: true } }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/end', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${room(t)}/end`, body: {} }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/user/:userId', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: member(t), body: { enableAudio: false } }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/user/:userId/exit', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${member(t)}/exit`, body: {} }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/user/:userId/kick', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${member(t)}/kick`, body: { durationS: 60 } }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/user/:userId/reward', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${member(t)}/reward`, body: {} }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/host', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${room(t)}/host`, body: { userId: t.userId } }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/chat', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${room(t)}/chat`, body: { message: 'hello from A' } }) },
  { route: 'POST /conf/v1/apps/:appId/room/:roomId/heartbeat', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${room(t)}/heartbeat`, body: {} }) },
  { route: 'GET /conf/v1/apps/:appId/room/:roomId/users', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${room(t)}/users` }) },
  { route: 'GET /conf/v1/apps/:appId/room/:roomId/events', style: 'room', expect: ROOM_USER, ghost: true, probe: (t) => ({ path: `${room(t)}/events` }) },
  entryRow('POST /scenario/meeting/apps/:appId/v1/room/entry', (t) => `/scenario/meeting/apps/${t.appId}/v1/room/entry`),
  entryRow('POST /scenario/meeting/apps/:appId/v2/room/entry', (t) => `/scenario/meeting/apps/${t.appId}/v2/room/entry`),
  { route: 'GET /scenario/meeting/apps/:appId/v1/room/:roomId/simple', style: 'entry', expect: ENTRY, ghost: true, probe: (t) => ({ path: `${croom(t)}/simple` }) },
  clientRow('GET', '', croom),
  clientRow('POST', '', croom, { muteAllChat: 1 }),
  clientRow('GET', '/user/page', (t) => `${croom(t)}/user/page?role=2&nextId=0&count=100`),
  clientRow('POST', '/screen', (t) => `${croom(t)}/screen`, { state: 1 }),
  clientRow('POST', '/token/refresh', (t) => `${croom(t)}/token/refresh`),
  clientRow('POST', '/chat', (t) => `${croom(t)}/chat`, { message: 'hello from A', type: 1 }),
  clientRow('GET', '/board', (t) => `${croom(t)}/board`),
  clientRow('POST', '/user/:userId', cmember, { enableAudio: 0 }),
  clientRow('POST', '/user/:userId/exit', (t) => `${cmember(t)}/exit`),
  clientRow('POST', '/user/:userId/host', (t) => `${cmember(t)}/host`),
  clientRow('POST', '/user/:userId/screen', (t) => `${cmember(t)}/screen`, { state: 0 }),
  clientRow('POST', '/user/:userId/board', (t) => `${cmember(t)}/board`, { state: 0 }),
  clientRow('POST', '/user/:userId/host/invite', (t) => `${cmember(t)}/host/invite`, { type: 1, action: 1 }),
  clientRow('POST', '/user/:userId/audience/apply', (t) => `${cmember(t)}/audience/apply`, { type: 1, action: 1 }),
  // Recording is not offered: the same code 501 for anyone, nothing looked up.
  recordingRow('POST', '/record/start', (t) => `${croom(t)}/record/start`),
  recordingRow('POST', '/record/:recordId/stop', (t) => `${croom(t)}/record/r1/stop`),
  recordingRow('GET', '/records', (t) => `${croom(t)}/records`),
  recordingRow('GET', '/record/:recordId', (t) => `${croom(t)}/record/r1`),
  { route: 'GET /scenario/meeting/v1/app/version', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/scenario/meeting/v1/app/version?appCode=x&osType=1&terminalType=1&appVersion=1.0.1' }) },
  { route: 'GET /scenario/meeting/v1/multi/language', style: 'public', expect: PUBLIC, ghost: false, probe: () => ({ path: '/scenario/meeting/v1/multi/language' }) },
];

interface Tenant {
  sid: number;
  appId: string;
  appSecret: string;
  appName: string;
  schoolName: string;
  endpointUrl: string;
  schoolSecret: string;
  apiKey: string;
  classId: number;
  classTitle: string;
  eventIds: string[];
  roomId: string;
  roomUuid: string;
  roomName: string;
  users: { userId: number; userToken: string; userName: string; userUuid: string; uid: number }[];
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const forged = (bytes: number) => randomBytes(bytes).toString('base64url');

const mangled = (secret: string) => `${secret.slice(0, -4)}${secret.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
/** What a v1 error body's code is for each out-of-scope status. */
const V1_CODE: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

interface Sent {
  headers: Record<string, string>;
  form?: Record<string, string>;
}

function codeOf(res: Response): unknown {
  const body: unknown = res.body;
  if (!body || typeof body !== 'object') return undefined;
  const o = body as { error?: { code?: unknown }; code?: unknown };
  return o.error?.code ?? o.code;
}

describe('tenant isolation: every route × every foreign credential', () => {
  let h: Harness;
  let a: Tenant;
  let b: Tenant;
  let realB: Target;
  let ghostB: Target;
  /** School A's dashboard session: its cookie and CSRF token. */
  let sessionA: { cookie: string; csrf: string };
  /** Everything of B that must never reach A, unless A's own request named it. */
  let secretsOfB: string[];
  /** B as the admin sees it before any probe (compared at the end). */
  let snapshotOfB: unknown;

  async function setUpTenant(tag: 'a' | 'b', sid: number, classId: number, uidBase: number): Promise<Tenant> {
    const appName = `Classroom server ${tag.toUpperCase()} zq7x`;
    const created = (await request(h.app).post('/v1/apps').set(admin).send({ name: appName, sids: [sid] }).expect(201)).body as { appId: string; appSecret: string };
    const auth = { Authorization: basic(created.appId, created.appSecret) };
    const schoolName = `Academy ${tag.toUpperCase()} zq7x`;
    const endpointUrl = `http://127.0.0.1:9/tenant-${tag}-zq7x/classin`;
    const reg = (await request(h.app).post('/v1/schools').set(admin).send({ sid, name: schoolName, endpointUrl }).expect(201)).body as { secret: string; apiKey: string };
    const classTitle = `Algebra ${tag.toUpperCase()} zq7x`;
    await request(h.app).put(`/v1/schools/${sid}/classes/${classId}`).set(auth)
      .send({ courseId: classId + 1, title: classTitle, startTime: 1763848800, closeTime: 1763848800 + HOUR_S }).expect(200);
    await request(h.app).post('/v1/events').set(auth).send({
      events: [
        { id: `ev-${tag}-zq7x-client-id`, type: 'hands_up', sid, classId, uid: uidBase + 1, up: true },
        { type: 'reward', sid, classId, uid: uidBase + 1, times: 1 },
        { type: 'file_converted', sid, data: { note: `private note ${tag} zq7x` } },
      ],
    }).expect(202);
    const roomUuid = tag === 'b' ? ROOM_UUID_B : `room-${tag}-zq7x`;
    const roomName = `Room ${tag.toUpperCase()} zq7x`;
    const users: Tenant['users'] = [];
    let roomId = '';
    for (const [i, role] of (['host', 'audience'] as const).entries()) {
      const userName = `${role === 'host' ? 'Teacher' : 'Student'} ${tag.toUpperCase()} zq7x`;
      const userUuid = `${role}-${tag}-zq7x`;
      const uid = uidBase + 10 + i;
      const entry = await request(h.app).post(`/conf/v1/apps/${created.appId}/room/entry`).set(auth)
        .send({ roomName, roomUuid, userName, userUuid, uid, role, sid, classId }).expect(200);
      const data = (entry.body as { data: { roomId: string; userId: number; userToken: string } }).data;
      roomId = data.roomId;
      users.push({ userId: data.userId, userToken: data.userToken, userName, userUuid, uid });
    }
    // Every event id of the school, the room's enter events included.
    const log = (await request(h.app).get(`/v1/deliveries?sid=${sid}&limit=500`).set(admin).expect(200)).body as { items: { eventId: string }[] };
    expect(log.items.length).toBeGreaterThanOrEqual(5);
    return {
      sid, appId: created.appId, appSecret: created.appSecret, appName, schoolName, endpointUrl, schoolSecret: reg.secret, apiKey: reg.apiKey,
      classId, classTitle, eventIds: log.items.map((i) => i.eventId), roomId, roomUuid, roomName, users,
    };
  }

  /** What the admin (and B's own users) see of B: must be the same after every probe. */
  async function viewOfB() {
    const host = b.users[0]!;
    return {
      school: (await request(h.app).get(`/v1/schools/${b.sid}`).set(admin).expect(200)).body as unknown,
      app: (await request(h.app).get(`/v1/apps/${b.appId}`).set(admin).expect(200)).body as unknown,
      class: (await request(h.app).get(`/v1/schools/${b.sid}/classes/${b.classId}`).set(admin).expect(200)).body as unknown,
      events: ((await request(h.app).get(`/v1/deliveries?sid=${b.sid}&limit=500`).set(admin).expect(200)).body as { items: { eventId: string; status: string }[] })
        .items.map((i) => `${i.eventId} ${i.status}`),
      room: ((await request(h.app).get(`/conf/v1/apps/${b.appId}/room/${b.roomId}`).set('token', host.userToken).expect(200)).body as { data: { room: unknown } }).data.room,
      users: ((await request(h.app).get(`/conf/v1/apps/${b.appId}/room/${b.roomId}/users`).set('token', host.userToken).expect(200)).body as { data: unknown }).data,
    };
  }

  /** Logs school A in to the dashboard: its session cookie and the CSRF token its pages carry. */
  async function dashboardSession(apiKey: string): Promise<{ cookie: string; csrf: string }> {
    const login = await request(h.app).post('/admin/login').type('form').send({ token: apiKey }).expect(303);
    const setCookie = login.headers['set-cookie'] as unknown as string[] | undefined;
    const cookie = setCookie?.[0]?.split(';')[0];
    if (!cookie) throw new Error('no session cookie');
    const page = await request(h.app).get('/admin').set('Cookie', cookie).expect(200);
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1];
    if (!csrf) throw new Error('no csrf token on the dashboard page');
    return { cookie, csrf };
  }

  /** The credential of one kind, placed where a route of this style takes it. */
  function credentialsFor(kind: Kind, style: Style, t: Target): Sent {
    if (style === 'login') {
      const token: Record<Kind, string | undefined> = {
        none: undefined, wrongSecret: mangled(b.apiKey), otherApp: a.appSecret, otherSchoolKey: a.apiKey,
        otherRoomToken: a.users[1]!.userToken, otherSchoolSession: undefined,
      };
      const value = token[kind];
      return { headers: kind === 'otherSchoolSession' ? { Cookie: sessionA.cookie } : {}, form: value === undefined ? {} : { token: value } };
    }
    switch (kind) {
      case 'none':
        return { headers: {} };
      case 'wrongSecret':
        if (style === 'room' || style === 'client') return { headers: { token: `${t.userId}.${forged(24)}` } };
        if (style === 'page') return { headers: { Cookie: `classbell_session=${forged(32)}` } };
        return { headers: { Authorization: basic(t.appId, forged(24)) } };
      case 'otherApp':
        return { headers: { Authorization: basic(a.appId, a.appSecret) } };
      case 'otherSchoolKey':
        return { headers: { Authorization: `Bearer ${a.apiKey}` } };
      case 'otherRoomToken':
        return { headers: { token: a.users[1]!.userToken } };
      case 'otherSchoolSession':
        return { headers: { Cookie: sessionA.cookie, 'x-classbell-csrf': sessionA.csrf } };
    }
  }

  function start(method: string, path: string): Test {
    const agent = request(h.app);
    switch (method) {
      case 'GET':
      case 'USE':
        return agent.get(path);
      case 'POST':
        return agent.post(path);
      case 'PUT':
        return agent.put(path);
      case 'PATCH':
        return agent.patch(path);
      case 'DELETE':
        return agent.delete(path);
      default:
        throw new Error(`no way to call ${method}`);
    }
  }

  /** One probe: the response, and everything the request itself carried (echoes of it are no leak). */
  async function call(row: Row, kind: Kind, t: Target): Promise<{ res: Response; sent: string }> {
    const { path, body } = row.probe(t);
    const creds = credentialsFor(kind, row.style, t);
    let req = start(row.route.split(' ')[0]!, path).set(creds.headers).redirects(0).timeout(5000);
    if (creds.form) req = req.type('form').send(creds.form);
    else if (body !== undefined) req = req.send(body);
    const res = await req;
    return { res, sent: [path, JSON.stringify(body ?? {}), JSON.stringify(creds)].join('\n') };
  }

  function leaksIn(res: Response, sent: string): string[] {
    const seen = `${res.text ?? ''}\n${JSON.stringify(res.headers)}`;
    return secretsOfB.filter((s) => !sent.includes(s) && seen.includes(s));
  }

  /** An out-of-scope answer has the error shape of its API. */
  function shapeProblem(row: Row, res: Response): string | undefined {
    if (row.style === 'client') return res.status === 200 && codeOf(res) === 10005 ? undefined : `client envelope code ${String(codeOf(res))}`;
    if (![401, 403, 404].includes(res.status) || row.style === 'page' || row.style === 'login' || row.route === 'USE /admin/queues') return undefined;
    const code = codeOf(res);
    if (row.style === 'room') return res.status === 401 && code === 10005 ? undefined : `room envelope code ${String(code)}`;
    if (row.style === 'entry') return code === res.status ? undefined : `entry envelope code ${String(code)}`;
    return code === V1_CODE[res.status] ? undefined : `error code ${String(code)}`;
  }

  beforeAll(async () => {
    h = await createHarness('tenants', { workers: false, env: { AGORA_APP_ID: 'a'.repeat(32), AGORA_APP_CERTIFICATE: 'b'.repeat(32) } });
    a = await setUpTenant('a', SID_A, CLASS_A, 5310000);
    b = await setUpTenant('b', SID_B, CLASS_B, 5320000);
    sessionA = await dashboardSession(a.apiKey);
    const eventId = b.eventIds.find((id) => id.startsWith(`ev_${SID_B}_`));
    if (!eventId) throw new Error('no assigned event id for B');
    realB = { sid: b.sid, appId: b.appId, classId: b.classId, eventId, roomId: b.roomId, userId: b.users[1]!.userId };
    ghostB = { sid: 7399999, appId: randomBytes(16).toString('hex'), classId: 8899999, eventId: 'ev_7399999_ghost0000000', roomId: randomBytes(8).toString('hex'), userId: realB.userId };
    const basicB = basic(b.appId, b.appSecret);
    secretsOfB = [
      String(b.sid), b.appId, b.appSecret, basicB, basicB.slice(6), b.appName, b.schoolName, b.endpointUrl, b.schoolSecret, b.apiKey,
      String(b.classId), String(b.classId + 1), b.classTitle, 'private note b zq7x', String(5320001), ...b.eventIds,
      b.roomId, b.roomUuid, b.roomName, ...b.users.flatMap((u) => [u.userToken, u.userName, u.userUuid, String(u.uid)]),
    ];
    snapshotOfB = await viewOfB();
  });
  afterAll(async () => h.close());

  it('has a row for every mounted endpoint, and none for an endpoint that is gone', () => {
    const mounted = mountedEndpoints(h.app);
    const rows = TABLE.map((r) => r.route);
    expect(mounted.length).toBeGreaterThan(50);
    expect(new Set(rows).size, 'one row per endpoint').toBe(rows.length);
    expect(mounted.filter((r) => !rows.includes(r)), 'mounted endpoints without a row').toEqual([]);
    expect(rows.filter((r) => !mounted.includes(r)), 'rows for endpoints that are not mounted').toEqual([]);
  });

  for (const row of TABLE) {
    it(`${row.route}: the status of the table, nothing of B`, async () => {
      const problems: string[] = [];
      for (const kind of KINDS) {
        const { res, sent } = await call(row, kind, realB);
        if (res.status !== row.expect[kind]) problems.push(`${kind}: HTTP ${res.status}, expected ${row.expect[kind]}: ${(res.text ?? '').slice(0, 200)}`);
        const leaked = leaksIn(res, sent);
        if (leaked.length > 0) problems.push(`${kind}: the response carries B's ${leaked.join(', ')}`);
        const shape = shapeProblem(row, res);
        if (shape) problems.push(`${kind}: ${shape}`);
      }
      expect(problems).toEqual([]);
    });
  }

  // Room calls look the room up before they check the token: with any well-formed token, a room id
  // that does not exist answers 404 10006 and one that does 401 10005 (reported, not fixed here).
  for (const row of TABLE.filter((r) => r.ghost)) {
    it(`${row.route}: the same answers whether or not B exists`, async () => {
      const problems: string[] = [];
      for (const kind of KINDS) {
        const real = (await call(row, kind, realB)).res;
        const ghost = (await call(row, kind, ghostB)).res;
        if (real.status !== ghost.status || codeOf(real) !== codeOf(ghost)) {
          problems.push(`${kind}: B answers ${real.status} ${String(codeOf(real))}, a B that does not exist ${ghost.status} ${String(codeOf(ghost))}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('lists a school may read hold its own rows only (API key and dashboard session)', async () => {
    // An alert of each school, so the alert list has rows of both to tell apart.
    const alertStore = new AlertStore(h.deps.redis, h.deps.keys);
    const alertOfA = await alertStore.record({ sid: SID_A, kind: 'delivery_failing', since: null, message: `school ${SID_A}: failing`, lastError: null });
    await alertStore.record({ sid: SID_B, kind: 'delivery_failing', since: null, message: `school ${SID_B}: failing`, lastError: 'private note b zq7x' });
    for (const headers of [{ Authorization: `Bearer ${a.apiKey}` }, { Cookie: sessionA.cookie }]) {
      const sent = JSON.stringify(headers);
      const schools = await request(h.app).get('/v1/schools').set(headers).expect(200);
      expect((schools.body as { items: { sid: number }[] }).items.map((s) => s.sid)).toEqual([SID_A]);
      const log = await request(h.app).get('/v1/deliveries?limit=500').set(headers).expect(200);
      const items = (log.body as { items: { eventId: string; sid: number }[] }).items;
      expect(items.map((i) => i.eventId).sort()).toEqual([...a.eventIds].sort());
      const alerts = await request(h.app).get('/v1/alerts').set(headers).expect(200);
      expect((alerts.body as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([alertOfA.id]);
      for (const res of [schools, log, alerts]) expect(leaksIn(res, sent)).toEqual([]);
    }
  });

  it("another app's entry with B's roomUuid opens a room of its own; B's token fits no other app's path", async () => {
    const appA = { Authorization: basic(a.appId, a.appSecret) };
    const entry = await request(h.app).post(`/conf/v1/apps/${a.appId}/room/entry`).set(appA)
      .send({ roomName: 'Copycat', roomUuid: b.roomUuid, userName: 'intruder', userUuid: 'intruder' }).expect(200);
    const mine = (entry.body as { data: { roomId: string; userToken: string } }).data;
    expect(mine.roomId).not.toBe(b.roomId);
    const users = await request(h.app).get(`/conf/v1/apps/${a.appId}/room/${mine.roomId}/users`).set('token', mine.userToken).expect(200);
    expect((users.body as { data: { total: number } }).data.total).toBe(1);
    const sent = JSON.stringify({ roomUuid: b.roomUuid });
    for (const res of [entry, users]) expect(leaksIn(res, sent)).toEqual([]);
    // B's own, valid token under A's app id: B's room is not there.
    const wrongApp = await request(h.app).get(`/conf/v1/apps/${a.appId}/room/${b.roomId}`).set('token', b.users[0]!.userToken).expect(404);
    expect(codeOf(wrongApp)).toBe(10006);
  });

  it("an event id another app used in its own school neither collides nor reveals anything", async () => {
    // Ids are scoped per school: A's event with B's id is A's own event, and B's stays untouched.
    const res = await request(h.app).post('/v1/events').set({ Authorization: basic(a.appId, a.appSecret) })
      .send({ id: 'ev-b-zq7x-client-id', type: 'hands_up', sid: SID_A, classId: CLASS_A, uid: 1, up: true }).expect(202);
    expect(res.body).toEqual({ accepted: ['ev-b-zq7x-client-id'], duplicates: [] });
    expect(leaksIn(res, 'ev-b-zq7x-client-id')).toEqual([]);
    const mine = await request(h.app).get('/v1/events/ev-b-zq7x-client-id').set({ Authorization: `Bearer ${a.apiKey}` }).expect(200);
    expect(mine.body.sid).toBe(SID_A);
  });

  it('leaves B exactly as it was after every probe', async () => {
    expect(await viewOfB()).toEqual(snapshotOfB);
    // B's credentials all still work.
    await request(h.app).post('/v1/tokens/rtm').set({ Authorization: basic(b.appId, b.appSecret) }).send({ userUuid: b.users[0]!.userUuid }).expect(200);
    await request(h.app).get(`/v1/schools/${b.sid}/stats`).set({ Authorization: `Bearer ${b.apiKey}` }).expect(200);
    for (const u of b.users) await request(h.app).get(`/conf/v1/apps/${b.appId}/room/${b.roomId}`).set('token', u.userToken).expect(200);
  });
});
