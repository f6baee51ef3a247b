import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '../helpers/harness.js';
import { bit, call, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';
import { openSse, type Sse } from '../helpers/sse.js';

const entered = z.object({ roomId: str, userToken: str });
const sharer = z.object({ userId: str, uid: z.number().int(), screenId: z.number().int(), grantScreen: bit });
const roomInfo = z.object({
  room: z.object({ shareScreen: bit, shareScreenUsers: z.array(sharer) }),
  user: z.object({ userId: str, screenId: z.number().int(), grantScreen: bit }),
});
const done = z.literal(true);

/** Screen share as the clients call it (Web `startScreenShare`/`updateShareScreen`, Android `screen`, iOS `shareScreenState`), over HTTP and the event stream. */
describe('screen share: one sharer per room, cmd 6 on the event stream', () => {
  let m: MeetingRoom;
  let server: Server;
  let stream: Sse;
  const people = {} as Record<'host' | 'b' | 'c', { roomId: string; token: string; userId: string; screenId: number }>;

  beforeAll(async () => {
    m = await meetingHarness('mscreen');
    server = await new Promise<Server>((resolve) => { const s = m.h.app.listen(0, '127.0.0.1', () => resolve(s)); });
    for (const who of ['host', 'b', 'c'] as const) {
      const e = await call(m, 'post', '/entry', undefined, { userName: who, userUuid: `scr-${who}`, roomName: 'Screens', roomUuid: 'screen-room', password: '', enableVideo: 1, enableAudio: 1 }, entered);
      const self = (await call(m, 'get', `/${e.roomId}`, e.userToken, undefined, roomInfo)).user;
      people[who] = { roomId: e.roomId, token: e.userToken, userId: self.userId, screenId: self.screenId };
    }
    const { roomId, token } = people.host;
    stream = await openSse((server.address() as AddressInfo).port, `/conf/v1/apps/${m.appId}/room/${roomId}/events?token=${encodeURIComponent(token)}`);
  });
  afterAll(async () => {
    stream.close();
    await new Promise((r) => server.close(r));
    await m.h.close();
  });

  it('one sharer: 10008 while someone shares, 10009 stopping a share that is not running, the host stops anyone\'s', async () => {
    const { host, b, c } = people;
    const room = `/${host.roomId}`;
    await call(m, 'post', `${room}/screen`, b.token, { state: 1 }, done); // room level: the caller's own
    let info = await call(m, 'get', room, c.token, undefined, roomInfo);
    expect(info.room.shareScreen).toBe(1);
    expect(info.room.shareScreenUsers).toEqual([expect.objectContaining({ userId: b.userId, screenId: b.screenId, grantScreen: 1 })]);
    expect(b.screenId).not.toBe(info.room.shareScreenUsers[0]!.uid); // a uid of its own for the share

    await refused(m, 'post', `${room}/user/${c.userId}/screen`, c.token, { state: 1 }, 10008);
    await refused(m, 'post', `${room}/user/${b.userId}/screen`, c.token, { state: 0 }, 10010); // not the host
    await call(m, 'post', `${room}/user/${b.userId}/screen`, host.token, { state: 0 }, done); // the host stops it
    await refused(m, 'post', `${room}/user/${b.userId}/screen`, b.token, { state: 0 }, 10009);
    info = await call(m, 'get', room, c.token, undefined, roomInfo);
    expect(info.room).toEqual({ shareScreen: 0, shareScreenUsers: [] });

    await call(m, 'post', `${room}/user/${c.userId}/screen`, c.token, { state: 1 }, done); // user level, own
    await call(m, 'post', `${room}/user/${c.userId}/exit`, c.token, undefined, done); // leaving ends the share
    info = await call(m, 'get', room, b.token, undefined, roomInfo);
    expect(info.room.shareScreen).toBe(0);
    await call(m, 'post', `${room}/user/${b.userId}/screen`, b.token, { state: 1 }, done); // free again
  });

  it('broadcasts every start and stop as cmd 6, in seq order with the room\'s other notifications', async () => {
    const { b, c } = people;
    const screens = await waitFor('five cmd 6', () => {
      const found = stream.messages.filter((msg) => msg.data.cmd === 6);
      return found.length >= 5 ? found : undefined;
    });
    expect(screens.map((s) => [s.data.data.state, s.data.data.userId, s.data.data.screenId])).toEqual([
      [1, Number(b.userId), b.screenId], [0, Number(b.userId), b.screenId], [1, Number(c.userId), c.screenId], [0, Number(c.userId), c.screenId], [1, Number(b.userId), b.screenId],
    ]);
    const seqs = stream.messages.map((msg) => msg.data.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    // The share stopped before its sharer's exit was announced.
    const cExit = stream.messages.findIndex((msg) => msg.data.cmd === 2 && msg.data.data.action === 'exit');
    expect(stream.messages[cExit - 1]!.data).toMatchObject({ cmd: 6, data: { state: 0, userId: Number(c.userId) } });
  });
});
