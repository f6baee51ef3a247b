import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createSchoolSchema } from '../../src/api/school-schemas.js';
import { pushHeaders } from '../../src/domain/signing.js';

/**
 * Why school secrets are printable ASCII (issue 14 point 8), shown with the real library: npm
 * `standardwebhooks` given the secret as a raw string key (`{format: 'raw'}`) takes one byte per
 * UTF-16 code unit, not the UTF-8 bytes classbell signs with, so a secret with any other character
 * makes every push fail verification; a printable ASCII secret verifies either way it is passed.
 */
describe('school secrets and Standard Webhooks receivers', () => {
  const body = '{"SID":257,"Cmd":"Test","Msg":"Register test."}';
  const signed = (secret: string) => {
    const ts = Math.floor(Date.now() / 1000); // the library refuses timestamps far from now
    return { ...pushHeaders(secret, 'msg_1', ts, body) } as Record<string, string>;
  };

  it.each(['geheimer-Schlüssel', 'clé-secrète-1234', 'emoji-🔑-secret'])('a non-ASCII secret (%s) fails verification with a raw string key', (secret) => {
    const headers = signed(secret);
    expect(() => new Webhook(secret, { format: 'raw' }).verify(body, headers)).toThrow(/No matching signature/);
    // The same push verifies with the key's UTF-8 bytes: the signature is right, the library's key is not.
    expect(() => new Webhook(Buffer.from(secret, 'utf8').toString('base64')).verify(body, headers)).not.toThrow();
    expect(createSchoolSchema.safeParse({ sid: 1, name: 'x', endpointUrl: 'https://example.com/', secret }).success).toBe(false);
  });

  it.each(['my-own-secret-123', 'Printable ASCII: ~!@#$%^&*()_+{}|', 'a'.repeat(256)])('a printable ASCII secret (%s) verifies, raw or base64', (secret) => {
    const headers = signed(secret);
    expect(() => new Webhook(secret, { format: 'raw' }).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(Buffer.from(secret).toString('base64')).verify(body, headers)).not.toThrow();
    expect(createSchoolSchema.safeParse({ sid: 1, name: 'x', endpointUrl: 'https://example.com/', secret }).success).toBe(true);
  });
});
