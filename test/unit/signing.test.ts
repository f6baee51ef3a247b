import { describe, it, expect } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  credentialMatches,
  generateSecret,
  hashCredential,
  pushHeaders,
  safeKey,
  webhookSignature,
} from '../../src/domain/signing.js';

describe('safeKey', () => {
  it('is md5(secret + TimeStamp) in lowercase hex', () => {
    // printf '%s' 'secret1231562838399' | md5sum
    expect(safeKey('secret123', 1562838399)).toBe('33502f4c15c582d240c1d98670edb46c');
    // printf '%s' 'sécret✓1700000000' | md5sum  (UTF-8 secret)
    expect(safeKey('sécret✓', 1700000000)).toBe('36895256e5b262ece73ad3a6346ce99a');
  });
});

describe('webhookSignature', () => {
  it('matches an HMAC computed by openssl', () => {
    // printf '%s' 'evt_1.1700000000.{"SID":257}' | openssl dgst -sha256 -hmac 'secret123' -binary | base64
    expect(webhookSignature('secret123', 'evt_1', 1700000000, '{"SID":257}')).toBe(
      'v1,70SqNh/c5N3Wi5r08DnUEK3ECUsmhFXl9dKZOkAjyYs=',
    );
  });

  it('verifies with the standardwebhooks library, keyed by base64(secret)', () => {
    const secret = generateSecret();
    const nowS = Math.floor(Date.now() / 1000);
    const body = '{"SID":257,"Cmd":67375105,"_id":"evt_1","TimeStamp":' + nowS + ',"SafeKey":"x"}';
    const headers = pushHeaders(secret, 'evt_1', nowS, body);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toBe(String(nowS));
    const wh = new Webhook(Buffer.from(secret).toString('base64'));
    expect(wh.verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('fails verification when the body or secret changes', () => {
    const nowS = Math.floor(Date.now() / 1000);
    const headers = { ...pushHeaders('right', 'evt_2', nowS, '{"a":1}') };
    expect(() => new Webhook(Buffer.from('right').toString('base64')).verify('{"a":2}', headers)).toThrow();
    expect(() => new Webhook(Buffer.from('wrong').toString('base64')).verify('{"a":1}', headers)).toThrow();
  });
});

describe('credentials', () => {
  it('generates distinct base64url secrets of the requested size', () => {
    const a = generateSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateSecret()).not.toBe(a);
    expect(Buffer.from(generateSecret(32), 'base64url')).toHaveLength(32);
  });

  it('hashes with sha256 hex', () => {
    // printf '%s' 'hunter2' | sha256sum
    expect(hashCredential('hunter2')).toBe('f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7');
  });

  it('matches only the right credential', () => {
    const stored = hashCredential('hunter2');
    expect(credentialMatches('hunter2', stored)).toBe(true);
    expect(credentialMatches('hunter3', stored)).toBe(false);
    expect(credentialMatches('', stored)).toBe(false);
    expect(credentialMatches('hunter2', '')).toBe(false);
    expect(credentialMatches('hunter2', 'not-hex')).toBe(false);
    expect(credentialMatches('hunter2', stored.slice(0, 62))).toBe(false);
  });
});
