import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGORA_SERVICE, decodeAccessToken2, encodeAccessToken2 } from '../../src/domain/tokens.js';
import { waitFor } from '../helpers/harness.js';
import { call, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';

const AGORA_APP_ID = '970CA35de60c44645bbae8a215061b33';
const AGORA_APP_CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b';

const tokens = z.object({ rtcToken: str, rtmToken: str, screenToken: str, tokenExpireAt: z.number().int() });

/** A token's absolute expiry after checking it is signed with the app certificate (re-encoded byte for byte). */
function expiryOf(token: string): { expiresAtS: number; fields: string[]; type: number } {
  const decoded = decodeAccessToken2(token);
  expect(encodeAccessToken2({ ...decoded, appCertificate: AGORA_APP_CERTIFICATE })).toBe(token);
  const service = decoded.services[0]!;
  return { expiresAtS: decoded.issueTs + decoded.expire, fields: service.fields, type: service.type };
}

/** Token refresh as the Web client calls it (meeting-api.ts `refreshToken`: POST …/:roomId/token/refresh). */
describe('token refresh (RTC, RTM and screen tokens)', () => {
  let m: MeetingRoom;

  beforeAll(async () => {
    m = await meetingHarness('mtokens', { AGORA_APP_ID, AGORA_APP_CERTIFICATE });
  });
  afterAll(async () => m.h.close());

  it('issues new tokens for the same identities, each outliving the one it replaces', async () => {
    const me = await call(m, 'post', '/entry', undefined, { userName: 'a', userUuid: 'tok-a', roomName: 'r', roomUuid: 'tok-room', password: '', enableVideo: 1, enableAudio: 1 },
      z.object({ roomId: str, userToken: str, user: z.object({ uid: z.number().int(), rtmToken: str }) }));
    const info = await call(m, 'get', `/${me.roomId}`, me.userToken, undefined, z.object({ room: z.object({ channelName: str }), user: tokens.extend({ uid: z.number().int(), screenId: z.number().int() }) }));
    const { uid, screenId } = info.user;
    const before = { rtc: expiryOf(info.user.rtcToken), rtm: expiryOf(info.user.rtmToken), screen: expiryOf(info.user.screenToken) };
    // RTC for the user's uid, RTM for String(uid) (the clients log in to RTM with their uid), screen for screenId.
    expect(before.rtc).toMatchObject({ type: AGORA_SERVICE.rtc, fields: [info.room.channelName, String(uid)] });
    expect(before.rtm).toMatchObject({ type: AGORA_SERVICE.rtm, fields: [String(uid)] });
    expect(before.screen).toMatchObject({ type: AGORA_SERVICE.rtc, fields: [info.room.channelName, String(screenId)] });
    expect(expiryOf(me.user.rtmToken).fields).toEqual([String(uid)]);

    // Tokens carry whole seconds: wait for the second after the latest of the three was issued
    // (building them may straddle a second), so every new expiry can be later.
    const issuedS = Math.max(...[info.user.rtcToken, info.user.rtmToken, info.user.screenToken].map((t) => decodeAccessToken2(t).issueTs));
    await waitFor('the next second', () => Math.floor(Date.now() / 1000) > issuedS);
    const fresh = await call(m, 'post', `/${me.roomId}/token/refresh`, me.userToken, undefined, tokens);
    const after = { rtc: expiryOf(fresh.rtcToken), rtm: expiryOf(fresh.rtmToken), screen: expiryOf(fresh.screenToken) };
    for (const kind of ['rtc', 'rtm', 'screen'] as const) {
      expect(after[kind].fields).toEqual(before[kind].fields);
      expect(after[kind].expiresAtS).toBeGreaterThan(before[kind].expiresAtS);
    }
    expect(fresh.tokenExpireAt).toBe(after.rtc.expiresAtS);
  });

  it('refuses a caller without a valid user token (10005, HTTP 200 as the clients expect)', async () => {
    await refused(m, 'post', `/${'a'.repeat(16)}/token/refresh`, '1.notavalidtokenatall', undefined, 10005);
  });
});
