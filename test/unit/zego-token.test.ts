import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildZegoToken04, zegoRtcPayload } from '../../src/domain/zego-token.js';
import { decodeToken04 } from '../helpers/zego-token04-decoder.js';

/** Every token is read back by the independent decoder in test/helpers (ZEGO's published layout). */
describe('ZEGO token04', () => {
  const serverSecret = 'fa94dd0f974cf2e293728a526b028271';
  const payload = zegoRtcPayload('room-1', true);
  const fields = { appId: 1234567, serverSecret, userId: 'u-1', ttlS: 3600, payload, nowS: 1_700_000_000, nonce: -42 };
  const plainLength = JSON.stringify({ app_id: 1234567, user_id: 'u-1', nonce: -42, ctime: 1_700_000_000, expire: 1_700_003_600, payload }).length;

  it('is the AES-GCM form by default: 12-byte nonce, ciphertext + 16-byte tag, trailing mode byte 1', () => {
    const token = buildZegoToken04(fields);
    expect(token.startsWith('04')).toBe(true);
    const d = decodeToken04(token, serverSecret);
    expect(d.form).toBe('gcm');
    expect(d.expire).toBe(1_700_003_600);
    expect(d.nonceOrIv).toHaveLength(12);
    expect(d.cipherLength).toBe(plainLength + 16); // GCM adds no padding, only the tag
    expect(d.totalLength).toBe(8 + 2 + 12 + 2 + d.cipherLength + 1);
    expect(d.content).toEqual({ app_id: 1234567, user_id: 'u-1', nonce: -42, ctime: 1_700_000_000, expire: 1_700_003_600, payload });
    expect(JSON.parse(d.content.payload)).toEqual({ room_id: 'room-1', privilege: { '1': 1, '2': 1 }, stream_id_list: null });
  });

  it('GCM: a random nonce per token; the wrong secret or one altered byte does not decrypt (authenticated)', () => {
    const a = buildZegoToken04({ ...fields, nonce: undefined });
    const b = buildZegoToken04({ ...fields, nonce: undefined });
    expect(a).not.toBe(b);
    const da = decodeToken04(a, serverSecret);
    expect(da.nonceOrIv.equals(decodeToken04(b, serverSecret).nonceOrIv)).toBe(false);
    expect(Number.isInteger(da.content.nonce) && Math.abs(da.content.nonce) <= 2 ** 31).toBe(true);
    expect(() => decodeToken04(a, 'x'.repeat(32))).toThrow();
    const bin = Buffer.from(a.slice(2), 'base64');
    bin[30] = bin[30]! ^ 1; // inside the ciphertext
    expect(() => decodeToken04(`04${bin.toString('base64')}`, serverSecret)).toThrow();
  });

  it('is the deprecated AES-CBC form with mode "cbc": 16-character [0-9a-z] IV, padded ciphertext, no mode byte', () => {
    const token = buildZegoToken04({ ...fields, mode: 'cbc', iv: 'abcdefgh01234567' });
    const d = decodeToken04(token, serverSecret);
    expect(d.form).toBe('cbc');
    expect(d.nonceOrIv.toString('utf8')).toBe('abcdefgh01234567');
    expect(d.cipherLength).toBe((Math.floor(plainLength / 16) + 1) * 16); // PKCS#7
    expect(d.totalLength).toBe(8 + 2 + 16 + 2 + d.cipherLength);
    expect(d.content).toEqual({ app_id: 1234567, user_id: 'u-1', nonce: -42, ctime: 1_700_000_000, expire: 1_700_003_600, payload });
    const random = decodeToken04(buildZegoToken04({ ...fields, mode: 'cbc' }), serverSecret);
    expect(random.nonceOrIv.toString('utf8')).toMatch(/^[0-9a-z]{16}$/);
    expect(() => decodeToken04(token, 'x'.repeat(32))).toThrow();
  });

  it('ZEGO_TOKEN_MODE: gcm by default, cbc selectable, anything else a configuration error', () => {
    const base = { NODE_ENV: 'test', ADMIN_TOKEN: 'a'.repeat(16), ZEGO_APP_ID: '1', ZEGO_SERVER_SECRET: serverSecret };
    expect(loadConfig(base).zego?.tokenMode).toBe('gcm');
    expect(loadConfig({ ...base, ZEGO_TOKEN_MODE: 'cbc' }).zego?.tokenMode).toBe('cbc');
    expect(() => loadConfig({ ...base, ZEGO_TOKEN_MODE: 'ecb' })).toThrow(/ZEGO_TOKEN_MODE/);
  });
});
