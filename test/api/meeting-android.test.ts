import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bit, call, int32, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';

/**
 * The Android client (AgoraMeeting dev/1.0.1, AgoraMeeting_Android/app/…/service/MeetingService.java
 * and its body/req, body/res and data classes): each call replayed with the JSON its request class
 * serialises to (Gson leaves out null fields), each reply parsed with the types its model needs.
 */

// data/Member.java: String userId, userName; Integer role, enableChat/Video/Audio, uid, screenId, grantBoard, grantScreen.
const member = z.object({
  userId: str, userName: str, role: z.literal([1, 2]), enableChat: bit, enableVideo: bit, enableAudio: bit,
  uid: int32, screenId: int32, grantBoard: bit, grantScreen: bit,
});
// data/Me.java: Member + String userUuid, rtcToken, rtmToken, screenToken.
const me = member.extend({ userUuid: str, rtcToken: str.nullable(), rtmToken: str.nullable(), screenToken: str.nullable() });
// body/res/RoomRes.java (Room).
const roomRes = z.object({
  room: z.object({
    roomId: str, roomUuid: str, roomName: str, channelName: str, password: str, muteAllChat: z.literal([0, 1, 2]), muteAllAudio: z.literal([0, 1, 2]),
    shareBoard: bit, shareScreen: bit, createBoardUserId: str.nullable(), onlineUsers: int32, startTime: z.number().int(),
    hosts: z.array(member), shareScreenUsers: z.array(member), shareBoardUsers: z.array(member),
  }),
  user: me,
});
// body/res/RoomMemberRes.java.
const memberPage = z.object({ count: int32, total: int32, nextId: str, list: z.array(member) });
const done = z.literal(true); // ResponseBody<Boolean>

describe('the Android client (MeetingService.java) against /scenario/meeting', () => {
  let m: MeetingRoom;
  let host: { roomId: string; userToken: string };
  let hostId: string;
  const users: { id: string; token: string }[] = [];

  beforeAll(async () => {
    m = await meetingHarness('android');
  });
  afterAll(async () => m.h.close());

  // RoomEntryReq.java: userName, userUuid, roomName, roomUuid, password, int enableVideo, int enableAudio, avatar.
  const entry = (userUuid: string) => ({ userName: `n-${userUuid}`, userUuid, roomName: 'Standup', roomUuid: 'android-room', password: '', enableVideo: 1, enableAudio: 0 });

  it('roomEntry: {roomId, userToken}; the first user hosts the room', async () => {
    host = await call(m, 'post', '/entry', undefined, entry('a-host'), z.object({ roomId: str, userToken: str }));
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, roomRes);
    expect(info.user).toMatchObject({ role: 1, enableVideo: 1, enableAudio: 0, userUuid: 'a-host', rtcToken: null });
    hostId = info.user.userId;
    for (let i = 0; i < 3; i++) {
      const e = await call(m, 'post', '/entry', undefined, entry(`a-${i}`), z.object({ roomId: str, userToken: str }));
      expect(e.roomId).toBe(host.roomId);
      const self = await call(m, 'get', `/${e.roomId}`, e.userToken, undefined, roomRes);
      expect(self.user.role).toBe(2);
      users.push({ id: self.user.userId, token: e.userToken });
    }
  });

  it('room: the room with integer flags and arrays, the caller as Me', async () => {
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, roomRes);
    expect(info.room).toMatchObject({ roomUuid: 'android-room', roomName: 'Standup', onlineUsers: 4, muteAllChat: 0, muteAllAudio: 0, shareBoard: 0, shareScreen: 0 });
    expect(info.room.hosts.map((h) => h.userId)).toEqual([hostId]);
  });

  it('userPage: MeetingServiceHelper.initAudiences asks (nextId left out first) until an empty list', async () => {
    const seen: string[] = [];
    let nextId: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = `role=2${nextId === undefined ? '' : `&nextId=${nextId}`}&count=2`;
      const res = await call(m, 'get', `/${host.roomId}/user/page?${query}`, host.userToken, undefined, memberPage);
      nextId = res.nextId;
      expect(res.total).toBe(3);
      expect(res.count).toBe(res.list.length);
      if (res.list.length === 0) break;
      seen.push(...res.list.map((u) => u.userId));
    }
    expect(seen).toEqual(users.map((u) => u.id));
  });

  it('room (POST, RoomReq): muteAllChat / muteAllAudio as GlobalModuleState integers, data true', async () => {
    await call(m, 'post', `/${host.roomId}`, host.userToken, { muteAllChat: 1 }, done);
    await call(m, 'post', `/${host.roomId}`, host.userToken, { muteAllAudio: 1 }, done);
    const info = await call(m, 'get', `/${host.roomId}`, host.userToken, undefined, roomRes);
    expect(info.room).toMatchObject({ muteAllChat: 1, muteAllAudio: 1 });
    await call(m, 'post', `/${host.roomId}`, host.userToken, { muteAllChat: 0, muteAllAudio: 0 }, done);
    await refused(m, 'post', `/${host.roomId}`, users[0]!.token, { muteAllChat: 1 }, 10010);
  });

  it('roomUser (MemberReq), invite (InviteReq), apply (ApplyReq), host, chat (ChatReq): data true', async () => {
    const [u0] = users as [{ id: string; token: string }];
    await call(m, 'post', `/${host.roomId}/user/${u0.id}`, u0.token, { enableVideo: 0 }, done);
    await call(m, 'post', `/${host.roomId}/user/${u0.id}/host/invite`, host.userToken, { type: 1, action: 1 }, done);
    await call(m, 'post', `/${host.roomId}/user/${hostId}/audience/apply`, u0.token, { type: 2, action: 1 }, done);
    await call(m, 'post', `/${host.roomId}/chat`, u0.token, { message: 'hello', type: 1 }, done);
    expect((await call(m, 'get', `/${host.roomId}`, u0.token, undefined, roomRes)).user).toMatchObject({ enableVideo: 0, enableAudio: 0 });
    // Accepting: the user applies for what the host offered, the host invites to what the user asked for.
    await call(m, 'post', `/${host.roomId}/user/${hostId}/audience/apply`, u0.token, { type: 1, action: 1 }, done);
    await call(m, 'post', `/${host.roomId}/user/${u0.id}/host/invite`, host.userToken, { type: 2, action: 1 }, done);
    expect((await call(m, 'get', `/${host.roomId}`, u0.token, undefined, roomRes)).user).toMatchObject({ enableVideo: 1, enableAudio: 1 });
  });

  it('screen (ScreenReq) and board (BoardReq): data true, or the code when refused', async () => {
    const [, u1] = users as [unknown, { id: string; token: string }];
    await call(m, 'post', `/${host.roomId}/user/${u1.id}/screen`, u1.token, { state: 1 }, done);
    await refused(m, 'post', `/${host.roomId}/user/${hostId}/screen`, host.userToken, { state: 1 }, 10008);
    await call(m, 'post', `/${host.roomId}/user/${u1.id}/screen`, host.userToken, { state: 0 }, done);
    await refused(m, 'post', `/${host.roomId}/user/${u1.id}/screen`, u1.token, { state: 0 }, 10009);
    await refused(m, 'post', `/${host.roomId}/user/${hostId}/board`, host.userToken, { state: 1 }, 10011); // no WHITEBOARD_*
    const board = await call(m, 'get', `/${host.roomId}/board`, host.userToken, undefined, z.object({ boardId: str.nullable(), boardToken: str.nullable() }));
    expect(board).toEqual({ boardId: null, boardToken: null });
  });

  it('host (no body) passes the role; roomExit (no body) leaves', async () => {
    const [, , u2] = users as [unknown, unknown, { id: string; token: string }];
    await call(m, 'post', `/${host.roomId}/user/${u2.id}/host`, host.userToken, undefined, done);
    const info = await call(m, 'get', `/${host.roomId}`, u2.token, undefined, roomRes);
    expect(info.user.role).toBe(1);
    await call(m, 'post', `/${host.roomId}/user/${u2.id}/exit`, u2.token, undefined, done);
    await refused(m, 'post', `/${host.roomId}/user/${u2.id}/exit`, u2.token, undefined, 10005);
  });
});
