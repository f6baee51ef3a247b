import { describe, expect, it } from 'vitest';
import {
  AGORA_PRIVILEGE, AGORA_SERVICE, buildRtcToken, buildRtmToken, buildZegoToken04, decodeAccessToken2, decryptZegoToken04,
  encodeAccessToken2, zegoRtcPayload,
} from '../../src/domain/tokens.js';

const appId = '970CA35de60c44645bbae8a215061b33';
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b';
const channel = '7d72365eb983485397e3e3f9d460bdda';
const uid = 2882341273;

// PROTOCOL.md §5: Agora's own unit-test vector.
const OFFICIAL =
  '007eJxTYBBbsMMnKq7p9Hf/HcIX5kce9b518kCiQgSr5Zrp4X1Tu6UUGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDcwMk4yN3b8IMEQwMTAwMoAwBIL4CgzmKeZGxmamqUmWFsYmFqbGluapxqnGaZYpJmYGSSkpiVwMRhYWRsYmhkbmxgDCaiTj';

describe('Agora AccessToken2', () => {
  it('reproduces the official test vector byte for byte', () => {
    const token = encodeAccessToken2({
      appId, appCertificate, issueTs: 1111111, expire: 600, salt: 1,
      services: [{ type: AGORA_SERVICE.rtc, privileges: { [AGORA_PRIVILEGE.joinChannel]: 600 }, fields: [channel, String(uid)] }],
    });
    expect(token).toBe(OFFICIAL);
    const decoded = decodeAccessToken2(OFFICIAL);
    expect(decoded).toMatchObject({ appId, issueTs: 1111111, expire: 600, salt: 1 });
    expect(decoded.services).toEqual([{ type: 1, privileges: { 1: 600 }, fields: [channel, String(uid)] }]);
  });

  it('agrees with the agora-token package: its RTC token re-encodes to the same bytes and signature', () => {
    const creds = { appId, appCertificate };
    for (const publisher of [true, false]) {
      const token = buildRtcToken(creds, channel, uid, publisher, 3600);
      const d = decodeAccessToken2(token);
      expect(d.appId).toBe(appId);
      expect(d.expire).toBe(3600);
      const privileges = Object.keys(d.services[0]!.privileges).map(Number);
      expect(privileges).toEqual(publisher ? [1, 2, 3, 4] : [1]);
      expect(d.services[0]!.fields).toEqual([channel, String(uid)]);
      expect(encodeAccessToken2({ ...d, appCertificate })).toBe(token);
    }
  });

  it('builds RTM tokens for a user id (login privilege)', () => {
    const token = buildRtmToken({ appId, appCertificate }, 'user-7', 86_400);
    const d = decodeAccessToken2(token);
    expect(d.services).toEqual([{ type: 2, privileges: { 1: 86_400 }, fields: ['user-7'] }]);
    expect(encodeAccessToken2({ ...d, appCertificate })).toBe(token);
  });

  it('a wrong certificate gives a different signature', () => {
    const d = decodeAccessToken2(OFFICIAL);
    expect(encodeAccessToken2({ ...d, appCertificate: '0'.repeat(32) })).not.toBe(OFFICIAL);
  });
});

describe('ZEGO token04', () => {
  const serverSecret = 'fa94dd0f974cf2e293728a526b028271';

  it('decrypts to every field: app, user, nonce, ctime, expire, payload; clear expiry and IV match', () => {
    const payload = zegoRtcPayload('room-1', true);
    const token = buildZegoToken04({ appId: 1234567, serverSecret, userId: 'u-1', ttlS: 3600, payload, nowS: 1_700_000_000, iv: 'abcdefgh01234567', nonce: -42 });
    expect(token.startsWith('04')).toBe(true);
    const { expire, iv, content } = decryptZegoToken04(token, serverSecret);
    expect(expire).toBe(1_700_003_600);
    expect(iv).toBe('abcdefgh01234567');
    expect(content).toEqual({ app_id: 1234567, user_id: 'u-1', nonce: -42, ctime: 1_700_000_000, expire: 1_700_003_600, payload });
    expect(JSON.parse(content.payload as string)).toEqual({ room_id: 'room-1', privilege: { '1': 1, '2': 1 }, stream_id_list: null });
  });

  it('draws a random 16-character [0-9a-z] IV and int32 nonce; the wrong secret does not decrypt', () => {
    const a = buildZegoToken04({ appId: 1, serverSecret, userId: 'x', ttlS: 60, payload: zegoRtcPayload('r', false) });
    const b = buildZegoToken04({ appId: 1, serverSecret, userId: 'x', ttlS: 60, payload: zegoRtcPayload('r', false) });
    expect(a).not.toBe(b);
    const d = decryptZegoToken04(a, serverSecret);
    expect(d.iv).toMatch(/^[0-9a-z]{16}$/);
    expect(Number.isInteger(d.content.nonce)).toBe(true);
    expect(Math.abs(d.content.nonce as number)).toBeLessThanOrEqual(2 ** 31);
    expect(JSON.parse(d.content.payload as string).privilege).toEqual({ '1': 1, '2': 0 });
    expect(() => decryptZegoToken04(a, 'x'.repeat(32))).toThrow();
  });
});
