import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bit, call, int32, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';

/**
 * The Web client (AgoraMeeting dev/1.0.1, AgoraMeeting_Web/src/services/meeting-api.ts, class
 * AgoraConfApi): each call replayed with the body it sends, each reply checked for the fields it reads.
 */

// getRoomInfoBy / getAudienceListBy read these of every user.
const user = z.object({
  role: z.literal([1, 2]), userName: str, uid: z.number().int(), enableVideo: bit, enableAudio: bit, enableChat: bit,
  grantBoard: bit, grantScreen: bit, userId: str, screenId: z.number().int(),
});
// getRoomInfo reads these of data.room, and data.user as `me`.
const roomInfo = z.object({
  room: z.object({
    hosts: z.array(user), shareBoardUsers: z.array(user), shareScreenUsers: z.array(user), shareBoard: bit, shareScreen: bit,
    createBoardUserId: str.nullable(), roomId: str, onlineUsers: int32, roomName: str, roomUuid: str, channelName: str,
    muteAllChat: bit, muteAllAudio: z.literal([0, 1, 2]), startTime: z.number().int(), lockBoard: bit,
  }),
  user: user.extend({ userUuid: str, rtcToken: str.nullable(), rtmToken: str.nullable(), screenToken: str.nullable() }),
});
const anything = z.unknown();

describe('the Web client (meeting-api.ts) against /scenario/meeting', () => {
  let m: MeetingRoom;
  let host: { roomId: string; userToken: string };
  let guest: { roomId: string; userToken: string };
  let hostId: string;
  let guestId: string;

  beforeAll(async () => {
    m = await meetingHarness('web');
  });
  afterAll(async () => m.h.close());

  // EntryParams: userName, roomName, roomUuid, userUuid, password, enableVideo: number, enableAudio: number.
  const entry = (userUuid: string) => ({ userName: userUuid, roomName: 'Web room', roomUuid: 'web-room', userUuid, password: '', enableVideo: 1, enableAudio: 1 });

  it('entry → roomId, userToken; getRoomInfoBy reads the room, its user lists and the caller', async () => {
    host = await call(m, 'post', '/entry', undefined, entry('w-host'), z.object({ roomId: str, userToken: str }));
    guest = await call(m, 'post', '/entry', undefined, entry('w-guest'), z.object({ roomId: str, userToken: str }));
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, roomInfo);
    hostId = info.user.userId;
    expect(info.room).toMatchObject({ onlineUsers: 2, roomUuid: 'web-room', channelName: host.roomId, shareBoard: 0, shareScreen: 0 });
    expect(info.room.hosts).toHaveLength(1);
    expect(info.user).toMatchObject({ role: 1, enableVideo: 1, enableAudio: 1 });
    guestId = (await call(m, 'get', `/${guest.roomId}`, guest.userToken, undefined, roomInfo)).user.userId;
  });

  it('getAudienceListBy: user/page?role=2&nextId=0&count=100 → list, nextId', async () => {
    const page = await call(m, 'get', `/${host.roomId}/user/page?role=2&nextId=0&count=100`, host.userToken, undefined, z.object({ list: z.array(user), nextId: str }));
    expect(page.list.map((u) => u.userId)).toEqual([guestId]);
  });

  it('refreshToken: {rtcToken, rtmToken, screenToken} (null without Agora credentials)', async () => {
    const tokens = await call(m, 'post', `/${host.roomId}/token/refresh`, host.userToken, undefined, z.object({ rtcToken: str.nullable(), rtmToken: str.nullable(), screenToken: str.nullable() }));
    expect(tokens).toMatchObject({ rtcToken: null, rtmToken: null, screenToken: null });
  });

  it('updateRoomUser / updateUserMediaState, updateGlobalRoomState, sendApply, sendInvite', async () => {
    await call(m, 'post', `/${host.roomId}/user/${guestId}`, guest.userToken, { enableVideo: 0, enableAudio: 0 }, anything);
    await call(m, 'post', `/${host.roomId}`, host.userToken, { muteAllChat: 1, muteAllAudio: 2 }, anything);
    await refused(m, 'post', `/${host.roomId}/user/${guestId}`, guest.userToken, { enableAudio: 1 }, 10003); // muted, may not unmute
    await call(m, 'post', `/${host.roomId}/user/${hostId}/audience/apply`, guest.userToken, { type: 1, action: 1 }, anything);
    await call(m, 'post', `/${host.roomId}/user/${guestId}/host/invite`, host.userToken, { type: 1, action: 2 }, anything); // reject
    await call(m, 'post', `/${host.roomId}/user/${guestId}/host/invite`, host.userToken, { type: 1, action: 1 }, anything); // invite
    await call(m, 'post', `/${host.roomId}/user/${guestId}`, guest.userToken, { enableAudio: 1 }, anything); // accepted by turning it on
    const info = await call(m, 'get', `/${host.roomId}`, guest.userToken, undefined, roomInfo);
    expect(info.user).toMatchObject({ enableAudio: 1, enableVideo: 0 });
    expect(info.room).toMatchObject({ muteAllChat: 1, muteAllAudio: 2 });
  });

  it('startScreenShare (room level {state: 1}), updateShareScreen, updateShareBoard / setGrantBoard', async () => {
    await call(m, 'post', `/${host.roomId}/screen`, guest.userToken, { state: 1 }, anything);
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, roomInfo);
    expect(info.room.shareScreen).toBe(1);
    expect(info.room.shareScreenUsers.map((u) => [u.userId, u.grantScreen])).toEqual([[guestId, 1]]);
    await call(m, 'post', `/${host.roomId}/user/${guestId}/screen`, host.userToken, { state: 0 }, anything);
    await refused(m, 'post', `/${host.roomId}/user/${guestId}/board`, host.userToken, { state: 1 }, 10011);
    const board = await call(m, 'get', `/${host.roomId}/board`, host.userToken, undefined, z.object({ boardId: z.null(), boardToken: z.null() }));
    expect(board.boardId).toBeNull();
  });

  it('sendChannelMessage, setNewHostUserBy ({} body), getSessionInfoBy (Basic only), fetchI18n, recording answers a code', async () => {
    await call(m, 'post', `/${host.roomId}/chat`, host.userToken, { message: 'hi', type: 1 }, anything);
    const simple = await call(m, 'get', `/${host.roomId}/simple`, undefined, undefined, z.object({ roomUuid: str, roomName: str, channelName: str, password: str, roomId: str }));
    expect(simple).toMatchObject({ roomId: host.roomId, roomUuid: 'web-room' });
    const i18n = await request(m.h.app).get('/scenario/meeting/v1/multi/language').expect(200);
    expect(i18n.body).toMatchObject({ code: 0, data: {} });
    await refused(m, 'post', `/${host.roomId}/record/start`, host.userToken, {}, 501);
    await refused(m, 'post', `/${host.roomId}/record/rec-1/stop`, host.userToken, undefined, 501);
    await refused(m, 'get', `/${host.roomId}/records`, host.userToken, undefined, 501);
    await call(m, 'post', `/${host.roomId}/user/${guestId}/host`, host.userToken, {}, anything);
    expect((await call(m, 'get', `/${host.roomId}`, guest.userToken, undefined, roomInfo)).user.role).toBe(1);
  });

  it('kickUserBy: the host removes another user with …/user/:userId/exit', async () => {
    // The guest hosts now; it removes the former host.
    await call(m, 'post', `/${host.roomId}/user/${hostId}/exit`, guest.userToken, undefined, anything);
    await refused(m, 'get', `/${host.roomId}`, host.userToken, undefined, 10005);
    const info = await call(m, 'get', `/${host.roomId}`, guest.userToken, undefined, roomInfo);
    expect(info.room.onlineUsers).toBe(1);
  });
});
