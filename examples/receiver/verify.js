// Checks for pushes from classbell (ClassIn data-subscription format), with no
// dependency besides node:crypto, so they fit any framework. See README.md.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';

/** Pushes whose TimeStamp is further than this from now are refused (replay protection). */
export const TOLERANCE_S = 5 * 60;

/** Compares two strings in constant time (for equal lengths; a length differs → false). */
export function safeEqual(a, b) {
  const left = Buffer.from(String(a), 'utf8');
  const right = Buffer.from(String(b), 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** ClassIn's SafeKey: md5(secret + TimeStamp), lowercase hex. */
export function expectedSafeKey(secret, timeStampS) {
  return createHash('md5').update(`${secret}${timeStampS}`, 'utf8').digest('hex');
}

/**
 * Standard Webhooks: `webhook-signature` holds one or more space-separated
 * `v1,<base64 HMAC-SHA256>` over `${webhook-id}.${webhook-timestamp}.${body}`,
 * keyed with the UTF-8 bytes of the school secret. `rawBody` is a Buffer of the
 * exact bytes received (never a re-serialised JSON object).
 */
export function signatureMatches(secret, headers, rawBody) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(rawBody)
    .digest('base64');
  // Check every candidate (no early exit), so timing does not tell which one matched.
  let found = false;
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version === 'v1' && value !== undefined && safeEqual(value, expected)) found = true;
  }
  return found;
}

/**
 * Checks one push. Returns null when it is genuine, else `{ errno, error, status }`
 * describing why it is refused. `body` is the parsed JSON, `rawBody` its bytes.
 */
export function verifyPush({ secret, sid, headers, rawBody, body, nowS = Math.floor(Date.now() / 1000) }) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(400, 2, 'body is not a JSON object');
  const timeStamp = body.TimeStamp;
  if (!Number.isSafeInteger(timeStamp)) return refuse(400, 2, 'TimeStamp missing');
  if (typeof body.SafeKey !== 'string' || !safeEqual(body.SafeKey, expectedSafeKey(secret, timeStamp))) {
    return refuse(401, 4, 'SafeKey mismatch');
  }
  if (!signatureMatches(secret, headers, rawBody)) return refuse(401, 5, 'webhook-signature mismatch');
  if (headers['webhook-timestamp'] !== String(timeStamp)) return refuse(401, 5, 'webhook-timestamp differs from TimeStamp');
  if (Math.abs(nowS - timeStamp) > TOLERANCE_S) return refuse(401, 3, 'TimeStamp too old or in the future');
  if (sid !== undefined && body.SID !== sid) return refuse(403, 6, `SID ${body.SID} is not this school`);
  return null;
}

function refuse(status, errno, error) {
  return { status, errno, error };
}

/**
 * The last `capacity` `_id`s processed, oldest evicted first. classbell
 * delivers at least once: after a crash the same `_id` can come again, right
 * before the next event. Acknowledge a repeat without processing it twice.
 */
export class RecentIds {
  constructor(capacity = 10_000) {
    this.capacity = capacity;
    this.ids = new Map();
  }

  has(id) {
    if (!this.ids.has(id)) return false;
    // Refresh: a repeated id stays remembered.
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  add(id) {
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value);
  }
}
