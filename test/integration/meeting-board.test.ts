import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '../helpers/harness.js';
import { bit, call, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';
import { openSse, type Sse } from '../helpers/sse.js';

const AK = 'test-access-key';
const SK = 'test-secret-access-key';

/**
 * Reads a netless-token token (`NETLESSROOM_…`/`NETLESSSDK_…`: base64url of a query string whose
 * `sig` is HMAC-SHA256(SK, JSON of the other fields, keys sorted, values as strings)) and checks it.
 */
function readNetlessToken(token: string, prefix: string): Record<string, string> {
  expect(token.startsWith(prefix)).toBe(true);
  const fields = Object.fromEntries(new URLSearchParams(Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8')));
  const { sig, ...signed } = fields;
  const sorted = Object.fromEntries(Object.keys(signed).sort().map((k) => [k, String(signed[k])]));
  expect(createHmac('sha256', SK).update(JSON.stringify(sorted)).digest('hex')).toBe(sig);
  expect(fields.ak).toBe(AK);
  return fields;
}

/** The documented create-room call (`POST /v5/rooms`, SDK token and region headers → 201 {uuid, …}), on loopback. */
class WhiteboardServer {
  readonly creates: { token: string; region: string; body: unknown }[] = [];
  failNext = false;
  private server: Server | undefined;
  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }
  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => { raw += c.toString('utf8'); });
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v5/rooms') return void res.writeHead(404).end();
        if (this.failNext) {
          this.failNext = false;
          return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"try again"}');
        }
        this.creates.push({ token: String(req.headers.token), region: String(req.headers.region), body: JSON.parse(raw) });
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ uuid: randomUUID().replace(/-/g, ''), teamUUID: 't', appUUID: 'a', isBan: false, createdAt: new Date().toISOString(), limit: 0 }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }
  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

const board = z.object({ boardId: str, boardToken: str });
const roomInfo = z.object({
  room: z.object({ shareBoard: bit, createBoardUserId: str.nullable(), lockBoard: bit, shareBoardUsers: z.array(z.object({ userId: str, grantBoard: bit })) }),
  user: z.object({ userId: str, grantBoard: bit }),
});
const done = z.literal(true);

describe('whiteboard: a board room per room through the whiteboard REST API, netless-token room tokens', () => {
  const wb = new WhiteboardServer();
  let m: MeetingRoom;
  let api: Server;
  let stream: Sse;
  let roomId: string;
  const people = {} as Record<'host' | 'a' | 'b', { token: string; userId: string }>;

  beforeAll(async () => {
    await wb.start();
    m = await meetingHarness('mboard', { WHITEBOARD_APP_ID: 'wb-app', WHITEBOARD_AK: AK, WHITEBOARD_SK: SK, WHITEBOARD_API_URL: wb.url });
    for (const who of ['host', 'a', 'b'] as const) {
      const e = await call(m, 'post', '/entry', undefined, { userName: who, userUuid: `wb-${who}`, roomName: 'Board', roomUuid: 'board-room', password: '', enableVideo: 1, enableAudio: 1 }, z.object({ roomId: str, userToken: str }));
      roomId = e.roomId;
      people[who] = { token: e.userToken, userId: (await call(m, 'get', `/${roomId}`, e.userToken, undefined, roomInfo)).user.userId };
    }
    api = await new Promise<Server>((resolve) => { const s = m.h.app.listen(0, '127.0.0.1', () => resolve(s)); });
    stream = await openSse((api.address() as AddressInfo).port, `/conf/v1/apps/${m.appId}/room/${roomId}/events?token=${encodeURIComponent(people.host.token)}`);
  });
  afterAll(async () => {
    stream.close();
    await new Promise((r) => api.close(r));
    await m.h.close();
    await wb.stop();
  });

  it('creates the board room on first use (a failure is retried by the next call), then reuses it', async () => {
    wb.failNext = true;
    const failed = await request(m.h.app).get(`${m.base}/${roomId}/board`).set('token', people.host.token);
    expect(failed.status).toBe(502);
    // Three first calls at once: one creates the board room, the others wait for its uuid.
    const [first, ...again] = await Promise.all([people.host, people.a, people.b].map((p) => call(m, 'get', `/${roomId}/board`, p.token, undefined, board))) as [z.infer<typeof board>, ...z.infer<typeof board>[]];
    expect(again.map((b) => b.boardId)).toEqual([first.boardId, first.boardId]);
    expect(wb.creates).toHaveLength(1);
    expect(wb.creates[0]).toMatchObject({ region: 'us-sv', body: { isRecord: false, limit: 0 } });
    expect(readNetlessToken(wb.creates[0]!.token, 'NETLESSSDK_')).toMatchObject({ role: '0' }); // admin SDK token
    // Room tokens: writer for the host (who holds the board), reader for the others.
    expect(readNetlessToken(first.boardToken, 'NETLESSROOM_')).toMatchObject({ uuid: first.boardId, role: '1' });
    const reader = readNetlessToken(again[0]!.boardToken, 'NETLESSROOM_');
    expect(reader).toMatchObject({ uuid: first.boardId, role: '2' });
    expect(Number(reader.expireAt)).toBeGreaterThan(Date.now());
  });

  it('a user opens the board; the opener grants it until the host locks it; the host grants; closing it closes it for everyone', async () => {
    const { host, a, b } = people;
    await call(m, 'post', `/${roomId}/user/${a.userId}/board`, a.token, { state: 1 }, done); // a opens it
    let info = await call(m, 'get', `/${roomId}`, b.token, undefined, roomInfo);
    expect(info.room).toMatchObject({ shareBoard: 1, createBoardUserId: a.userId, lockBoard: 0 });
    expect(info.room.shareBoardUsers[0]).toMatchObject({ userId: a.userId, grantBoard: 1 });
    await call(m, 'post', `/${roomId}/user/${b.userId}/board`, a.token, { state: 1 }, done); // the opener grants b
    expect(readNetlessToken((await call(m, 'get', `/${roomId}/board`, b.token, undefined, board)).boardToken, 'NETLESSROOM_').role).toBe('1');
    await call(m, 'post', `/${roomId}`, host.token, { lockBoard: 1 }, done); // host lock
    await refused(m, 'post', `/${roomId}/user/${b.userId}/board`, a.token, { state: 0 }, 10010);
    await call(m, 'post', `/${roomId}/user/${b.userId}/board`, host.token, { state: 0 }, done); // the host revokes
    expect((await call(m, 'get', `/${roomId}`, b.token, undefined, roomInfo)).user.grantBoard).toBe(0);
    await call(m, 'post', `/${roomId}/user/${a.userId}/board`, a.token, { state: 0 }, done); // the opener closes it
    info = await call(m, 'get', `/${roomId}`, b.token, undefined, roomInfo);
    expect(info.room).toMatchObject({ shareBoard: 0, createBoardUserId: null, lockBoard: 1, shareBoardUsers: [] });
  });

  it('broadcasts the board\'s state as cmd 5, in order', async () => {
    const { host, a, b } = people;
    const boards = await waitFor('five cmd 5', () => {
      const found = stream.messages.filter((msg) => msg.data.cmd === 5).map((msg) => msg.data.data);
      return found.length >= 5 ? found : undefined;
    });
    expect(boards.map((d) => [d.shareBoard, d.userId, d.grantBoard ?? null, d.lockBoard ?? null, d.byUserId])).toEqual([
      [1, Number(a.userId), true, null, Number(a.userId)],
      [1, Number(b.userId), true, null, Number(a.userId)],
      [1, Number(host.userId), null, 1, Number(host.userId)],
      [1, Number(b.userId), false, null, Number(host.userId)],
      [0, Number(a.userId), false, null, Number(a.userId)],
    ]);
  });
});
