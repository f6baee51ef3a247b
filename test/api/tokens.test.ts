import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAccessToken2 } from '../../src/domain/tokens.js';
import { admin, createApp, createHarness, type Harness } from '../helpers/harness.js';
import { decodeToken04 } from '../helpers/zego-token04-decoder.js';

const AGORA_APP_ID = '970CA35de60c44645bbae8a215061b33';
const AGORA_APP_CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b';
const ZEGO_SERVER_SECRET = 'fa94dd0f974cf2e293728a526b028271';

/** Tokens with credentials configured: room info and the Flexible Classroom token server. */
describe('tokens', () => {
  let h: Harness;
  let appId: string;
  let auth: { Authorization: string };

  beforeAll(async () => {
    h = await createHarness('tokens', { workers: false, env: { AGORA_APP_ID, AGORA_APP_CERTIFICATE, ZEGO_APP_ID: '1234567', ZEGO_SERVER_SECRET } });
    ({ appId, auth } = await createApp(h.app));
  });
  afterAll(async () => h.close());

  it('room info carries rtcToken (channel, uid, publisher for the host), rtmToken (userUuid) and a ZEGO token04', async () => {
    const entry = await request(h.app).post(`/conf/v1/apps/${appId}/room/entry`).set(auth)
      .send({ roomName: 'x', roomUuid: 'tok', userName: 'T', userUuid: 'teacher-1', uid: 31337, role: 'host' }).expect(200);
    const { roomId, userToken } = entry.body.data as { roomId: string; userToken: string };
    const info = await request(h.app).get(`/conf/v1/apps/${appId}/room/${roomId}`).set('token', userToken).expect(200);
    const user = info.body.data.user as { rtcToken: string; rtmToken: string; zegoToken: string; tokenExpireAt: number };
    const rtc = decodeAccessToken2(user.rtcToken);
    expect(rtc.appId).toBe(AGORA_APP_ID);
    expect(rtc.services[0]).toMatchObject({ type: 1, fields: [info.body.data.room.channelName, '31337'] });
    expect(Object.keys(rtc.services[0]!.privileges)).toEqual(['1', '2', '3', '4']);
    expect(decodeAccessToken2(user.rtmToken).services[0]).toMatchObject({ type: 2, fields: ['teacher-1'] });
    const zego = decodeToken04(user.zegoToken, ZEGO_SERVER_SECRET);
    expect(zego.form).toBe('gcm'); // ZEGO's recommended form by default
    expect(zego.content).toMatchObject({ app_id: 1234567, user_id: 'teacher-1' });
    expect(user.tokenExpireAt).toBeGreaterThan(Date.now() / 1000);

    const student = await request(h.app).post(`/conf/v1/apps/${appId}/room/entry`).set(auth)
      .send({ roomName: 'x', roomUuid: 'tok', userName: 'S', userUuid: 'student-1' }).expect(200);
    const sInfo = await request(h.app).get(`/conf/v1/apps/${appId}/room/${roomId}`).set('token', student.body.data.userToken).expect(200);
    const sRtc = decodeAccessToken2(sInfo.body.data.user.rtcToken);
    expect(Object.keys(sRtc.services[0]!.privileges)).toEqual(['1']); // subscriber
    expect(Number(sRtc.services[0]!.fields[1])).toBeGreaterThanOrEqual(1_000_000_000); // assigned uid
  });

  it('assigns the same uid to the same userUuid of an app', async () => {
    const a = await h.deps.rooms.assignedUid(appId, 'same-user', 1_000_000_000);
    const b = await h.deps.rooms.assignedUid(appId, 'same-user', 1_000_000_000);
    expect(a).toBe(b);
  });

  it('POST /v1/tokens/rtm: an RTM token for a userUuid, at most 24 h, apps only', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await request(h.app).post('/v1/tokens/rtm').set(auth).send({ userUuid: 'flex-user', expireS: 600 }).expect(200);
    expect(res.body.expireAt).toBeGreaterThanOrEqual(before + 600);
    const decoded = decodeAccessToken2(res.body.token);
    expect(decoded).toMatchObject({ appId: AGORA_APP_ID, expire: 600 });
    expect(decoded.services[0]).toMatchObject({ type: 2, fields: ['flex-user'] });
    const tooLong = await request(h.app).post('/v1/tokens/rtm').set(auth).send({ userUuid: 'x', expireS: 86_401 }).expect(400);
    expect(tooLong.body.error.details[0].path).toBe('expireS');
    await request(h.app).post('/v1/tokens/rtm').send({ userUuid: 'x' }).expect(401);
    await request(h.app).post('/v1/tokens/rtm').set(admin).send({ userUuid: 'x' }).expect(403);
  });
});

describe('tokens: ZEGO_TOKEN_MODE=cbc', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('tokenscbc', { workers: false, env: { ZEGO_APP_ID: '1234567', ZEGO_SERVER_SECRET, ZEGO_TOKEN_MODE: 'cbc' } });
  });
  afterAll(async () => h.close());

  it('room info carries the deprecated CBC form of token04', async () => {
    const { appId, auth } = await createApp(h.app);
    const entry = await request(h.app).post(`/conf/v1/apps/${appId}/room/entry`).set(auth)
      .send({ roomName: 'x', roomUuid: 'tok', userName: 'T', userUuid: 'teacher-1', role: 'host' }).expect(200);
    const info = await request(h.app).get(`/conf/v1/apps/${appId}/room/${entry.body.data.roomId}`).set('token', entry.body.data.userToken).expect(200);
    const zego = decodeToken04(info.body.data.user.zegoToken as string, ZEGO_SERVER_SECRET);
    expect(zego.form).toBe('cbc');
    expect(zego.content).toMatchObject({ app_id: 1234567, user_id: 'teacher-1' });
  });
});
