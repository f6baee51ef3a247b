import { classifyReply, truncateReply } from '../src/domain/ack.js';
import { pushHeaders, safeKey } from '../src/domain/signing.js';
import { completeBody, testPushBody } from '../src/domain/wire.js';
import type { PushClient } from '../src/lib/http-push.js';
import type { Attempt } from '../src/store/outbox.js';

export interface SignedPush {
  url: string;
  secret: string;
  /** webhook-id: the event id, or test_<random> for the registration test. */
  msgId: string;
  /**
   * What the body is, completed with this attempt's TimeStamp and SafeKey: an event's wire prefix
   * ({@link completeBody}) or the registration test push of a school. Data rather than a callback:
   * the drain pushes thousands a second, and a closure per push is garbage (and, under tsx, a
   * `__name` call) for nothing.
   */
  body: { wirePrefix: string } | { testSid: number };
  /** SafeKey = md5(SECRET + TimeStamp); a drainer passes its memo of the current second's. */
  safeKeyOf?: (secret: string, timeStampS: number) => string;
  timeoutMs: number;
  /** 1-based number of this attempt for the event. */
  n: number;
}

export interface PushReport {
  attempt: Attempt;
  acknowledged: boolean;
  /** One line for lastError: what went wrong, for a human. */
  errorText: string;
}

let isoMs = -1;
let iso = '';

/** The ISO time of `ms`, formatted once per millisecond: a busy drain starts several pushes in one. */
function isoAt(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** Sends one signed push and judges the reply exactly as API.md defines the outcomes. */
export async function pushSigned(client: Pick<PushClient, 'post'>, push: SignedPush): Promise<PushReport> {
  const nowMs = Date.now();
  const timeStampS = Math.floor(nowMs / 1000);
  const key = (push.safeKeyOf ?? safeKey)(push.secret, timeStampS);
  const body = 'wirePrefix' in push.body ? completeBody(push.body.wirePrefix, timeStampS, key) : testPushBody(push.body.testSid, timeStampS, key);
  const headers = pushHeaders(push.secret, push.msgId, timeStampS, body) as unknown as Record<string, string>;
  const at = isoAt(nowMs);
  const result = await client.post(push.url, body, headers, push.timeoutMs);
  if (result.kind !== 'reply') {
    const attempt: Attempt = { n: push.n, at, durationMs: result.durationMs, httpStatus: null, errno: null, outcome: result.kind, response: null };
    return { attempt, acknowledged: false, errorText: `${result.kind}: ${result.error}` };
  }
  const ok2xx = result.status >= 200 && result.status < 300;
  const { outcome, errno } = result.truncated && ok2xx ? { outcome: 'bad_response' as const, errno: null } : classifyReply(result.status, result.body);
  const attempt: Attempt = {
    n: push.n, at, durationMs: result.durationMs, httpStatus: result.status, errno, outcome,
    response: result.body === '' ? null : truncateReply(result.body, 1024),
  };
  return { attempt, acknowledged: outcome === 'delivered', errorText: describeFailure(attempt, result.truncated) };
}

function describeFailure(a: Attempt, truncated: boolean): string {
  if (a.outcome === 'delivered') return '';
  if (a.outcome === 'bad_response') {
    return truncated ? `bad_response (10003): reply larger than 64 KiB` : `bad_response (10003): HTTP ${a.httpStatus}, error_info.errno missing or not an integer`;
  }
  return a.errno !== null && a.httpStatus !== null && a.httpStatus < 300
    ? `rejected: errno ${a.errno}`
    : `rejected: HTTP ${a.httpStatus}${a.errno !== null ? `, errno ${a.errno}` : ''}`;
}
