import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bit, call, envelope, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';

/**
 * The iOS client (AgoraMeeting dev/1.0.1, AgoraMeeting_iOS/Modules/AgoraRoom/AgoraRoom/BaseManager/
 * HTTP/URL.h and HttpManager.m, models under HTTP/Model and RoomManager/Model/ConfRoomModel): each
 * call replayed with the dictionary HttpManager builds, each reply checked for the model's fields.
 */

const integer = z.number().int(); // NSInteger
// ConfUserModel.h (ConfShareScreenUserModel / ConfShareBoardUserModel read a subset).
const confUser = z.object({
  userId: str, userName: str, role: integer, enableChat: bit, enableVideo: bit, enableAudio: bit, uid: integer, screenId: integer,
  grantBoard: bit, grantScreen: bit, state: integer,
});
// ConfRoomAllModel.h: data.room (ConfRoomModel) and data.user (mapped to localUser).
const confRoomInfo = z.object({
  room: z.object({
    roomId: str, roomUuid: str, roomName: str, channelName: str, password: str, muteAllChat: integer, muteAllAudio: z.literal([0, 1, 2]),
    shareBoard: integer, shareScreen: integer, onlineUsers: integer, createBoardUserId: str.nullable(), startTime: integer,
    hosts: z.array(confUser), shareScreenUsers: z.array(confUser), shareBoardUsers: z.array(confUser),
  }),
  user: confUser.extend({ userUuid: str, rtcToken: str.nullable(), rtmToken: str.nullable(), screenToken: str.nullable() }),
});
// ConfUserListInfoModel.h.
const userList = z.object({ count: integer, total: integer, nextId: str, list: z.array(confUser) });
const common = z.unknown(); // CommonModel: only code is read

describe('the iOS client (URL.h, HttpManager.m) against /scenario/meeting', () => {
  let m: MeetingRoom;
  let host: { roomId: string; userToken: string };
  let hostId: string;
  const others: { id: string; token: string }[] = [];

  beforeAll(async () => {
    m = await meetingHarness('ios');
  });
  afterAll(async () => m.h.close());

  it('getConfig: GET /scenario/meeting/v1/app/version with appCode, osType, terminalType, appVersion', async () => {
    const res = await request(m.h.app).get('/scenario/meeting/v1/app/version?appCode=ios-meeting&osType=1&terminalType=1&appVersion=1.0.1').expect(200);
    const model = envelope(z.object({ appCode: str, osType: integer, terminalType: integer, appVersion: str, latestVersion: str, forcedUpgrade: integer, reviewing: integer, remindTimes: integer }));
    expect(model.parse(res.body)).toMatchObject({ code: 0, data: { appCode: 'ios-meeting', forcedUpgrade: 1 } });
  });

  // ConferenceEntryParams: enableVideo / enableAudio as strings (@(…).stringValue), through v2.
  const entry = (userUuid: string) => ({ userName: userUuid, userUuid, roomName: 'iOS room', roomUuid: 'ios-room', password: '', enableVideo: '0', enableAudio: '1', avatar: '' });
  const entryModel = z.object({ roomId: str, userToken: str, user: z.object({ userToken: str, uid: integer, rtmToken: str.nullable() }) });

  it('enterRoom: POST …/v2/room/entry → EnterRoomInfoModel (roomId, userToken, user.uid, user.rtmToken)', async () => {
    const res = await request(m.h.app).post(`/scenario/meeting/apps/${m.appId}/v2/room/entry`).set(m.auth).send(entry('i-host')).expect(200);
    host = envelope(entryModel).parse(res.body).data;
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, confRoomInfo);
    expect(info.user).toMatchObject({ role: 1, enableVideo: 0, enableAudio: 1, uid: envelope(entryModel).parse(res.body).data.user.uid });
    hostId = info.user.userId;
    for (let i = 0; i < 5; i++) {
      const e = envelope(entryModel).parse((await request(m.h.app).post(`/scenario/meeting/apps/${m.appId}/v2/room/entry`).set(m.auth).send(entry(`i-${i}`)).expect(200)).body).data;
      others.push({ id: (await call(m, 'get', `/${e.roomId}`, e.userToken, undefined, confRoomInfo)).user.userId, token: e.userToken });
    }
  });

  it('getUserList: ConferenceManager asks from nextId "0" while total > the users it holds', async () => {
    const held: string[] = [];
    let nextId = '0';
    for (let round = 0; round < 10; round++) {
      const page = await call(m, 'get', `/${host.roomId}/user/page?role=2&nextId=${nextId}&count=2`, host.userToken, undefined, userList);
      held.push(...page.list.map((u) => u.userId));
      nextId = page.nextId;
      if (!(page.total > held.length)) break;
    }
    expect(held).toEqual(others.map((o) => o.id));
  });

  it('updateRoomInfo: {muteAllChat} / {muteAllAudio} / {shareBoard} (no whiteboard configured: a code)', async () => {
    await call(m, 'post', `/${host.roomId}`, host.userToken, { muteAllAudio: 1 }, common);
    const [o] = others as [{ id: string; token: string }];
    await call(m, 'post', `/${host.roomId}/user/${o.id}`, o.token, { enableAudio: 0 }, common);
    await call(m, 'post', `/${host.roomId}/user/${o.id}`, o.token, { enableAudio: 1 }, common); // level 1: may unmute
    await refused(m, 'post', `/${host.roomId}`, host.userToken, { shareBoard: 1 }, 10011);
    expect((await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, confRoomInfo)).room.muteAllAudio).toBe(1);
  });

  it('updateUserInfo (enableChat), hostAction / audienceAction, shareScreenState, whiteBoardState, sendMessage', async () => {
    const [, o] = others as [unknown, { id: string; token: string }];
    await call(m, 'post', `/${host.roomId}/user/${o.id}`, host.userToken, { enableChat: 0 }, common);
    await refused(m, 'post', `/${host.roomId}/chat`, o.token, { type: 1, message: 'hey' }, 10003);
    await call(m, 'post', `/${host.roomId}/user/${o.id}/host/invite`, host.userToken, { type: 2, action: 1 }, common);
    await call(m, 'post', `/${host.roomId}/user/${hostId}/audience/apply`, o.token, { type: 2, action: 2 }, common); // declines
    await call(m, 'post', `/${host.roomId}/user/${o.id}/screen`, o.token, { state: 1 }, common);
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, confRoomInfo);
    expect(info.room.shareScreenUsers.map((u) => u.userId)).toEqual([o.id]);
    await refused(m, 'post', `/${host.roomId}/user/${o.id}/board`, host.userToken, { state: 1 }, 10011);
    const white = await call(m, 'get', `/${host.roomId}/board`, host.userToken, undefined, z.object({ boardId: str.nullable(), boardToken: str.nullable() }));
    expect(white.boardId).toBeNull();
    await refused(m, 'post', `/${host.roomId}/user/${o.id}/host/invite`, host.userToken, { type: 3, action: 1 }, 10011);
    await refused(m, 'get', `/${host.roomId}/record/rec-1`, host.userToken, undefined, 501); // getReplayInfo: no recording
  });

  it('changeHost (no params) and leftRoom (…/user/:userId/exit)', async () => {
    const [, , o] = others as [unknown, unknown, { id: string; token: string }];
    await call(m, 'post', `/${host.roomId}/user/${o.id}/host`, host.userToken, undefined, common);
    expect((await call(m, 'get', `/${host.roomId}`, o.token, undefined, confRoomInfo)).room.hosts.map((h) => h.userId)).toEqual([o.id]);
    await call(m, 'post', `/${host.roomId}/user/${hostId}/exit`, host.userToken, undefined, common);
    expect((await call(m, 'get', `/${host.roomId}`, o.token, undefined, confRoomInfo)).room.onlineUsers).toBe(5);
  });
});
