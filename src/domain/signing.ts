/**
 * Signing and credentials: ClassIn's SafeKey, the Standard Webhooks signature
 * carried alongside it, and constant-time credential checks.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * ClassIn's SafeKey: md5(secret + TimeStamp) as lowercase hex, TimeStamp being
 * the decimal unix seconds sent in the same body (PROTOCOL.md §1 "Signing").
 */
export function safeKey(secret: string, timeStampS: number): string {
  return createHash('md5').update(secret + String(timeStampS), 'utf8').digest('hex');
}

/**
 * The `webhook-signature` value: `v1,` + base64(HMAC-SHA256(UTF-8 secret,
 * `${msgId}.${timeStampS}.${body}`)). The key is the secret's UTF-8 bytes (not
 * base64-decoded), so a receiver using a Standard Webhooks library passes
 * base64(secret) as its key.
 */
export function webhookSignature(
  secret: string,
  msgId: string,
  timeStampS: number,
  body: string,
): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${msgId}.${timeStampS}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/** The headers of one push (API.md "The push"). */
export interface PushHeaders {
  readonly 'content-type': 'application/json';
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** Builds the push headers; `timeStampS` must equal the body's TimeStamp. */
export function pushHeaders(
  secret: string,
  msgId: string,
  timeStampS: number,
  body: string,
): PushHeaders {
  return {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(timeStampS),
    'webhook-signature': webhookSignature(secret, msgId, timeStampS, body),
  };
}

/** A fresh random secret or API key: `bytes` random bytes as base64url (24 → 32 characters). */
export function generateSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** sha256 hex of a credential, for storage: the credential itself is never kept. */
export function hashCredential(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/**
 * True when `given` hashes to `storedHashHex`. Compares fixed-length sha256
 * digests with timingSafeEqual, so timing reveals neither the stored value
 * nor the length of the given one.
 */
export function credentialMatches(given: string, storedHashHex: string): boolean {
  const givenDigest = createHash('sha256').update(given, 'utf8').digest();
  const storedDigest = Buffer.from(storedHashHex, 'hex');
  // A malformed stored hash is a data problem, not a secret: failing fast is fine.
  if (storedDigest.length !== givenDigest.length) return false;
  return timingSafeEqual(givenDigest, storedDigest);
}
