import { describe, expect, it } from 'vitest';
import {
  AGORA_PRIVILEGE, AGORA_SERVICE, buildRtcToken, buildRtmToken, decodeAccessToken2, encodeAccessToken2,
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
