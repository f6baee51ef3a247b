import type { PushClient } from '../src/lib/http-push.js';
import type { Tracing } from '../src/lib/tracing.js';
import type { HeadEvent } from '../src/store/outbox.js';
import { pushSigned, type PushReport, type SignedPush } from './push.js';

/**
 * A push with tracing on (docs/tracing.md): under the event's stored trace context, the queue wait
 * before a first attempt and the attempt itself become spans, and the push carries the attempt
 * span's `traceparent` header so the school can join the trace. An event stored without a context
 * (accepted while tracing was off) is pushed as it is.
 */
export async function tracedPush(tracing: Tracing, client: PushClient, push: SignedPush, sid: number, head: HeadEvent, cmd: string | number): Promise<PushReport> {
  if (head.trace === undefined) return pushSigned(client, push);
  const span = tracing.startPush(head.trace, {
    sid, eventId: head.id, cmd, attempt: push.n, url: push.url,
    queuedSinceMs: head.attempts === 0 ? head.acceptedAtMs : undefined,
  });
  const traceparent = span.traceparent;
  const withHeader: Pick<PushClient, 'post'> = {
    post: (url, body, headers, timeoutMs) => client.post(url, body, { ...headers, traceparent }, timeoutMs),
  };
  const report = await pushSigned(withHeader, push);
  const { attempt } = report;
  span.end({ outcome: attempt.outcome, httpStatus: attempt.httpStatus, errno: attempt.errno, errorText: report.errorText });
  return report;
}
