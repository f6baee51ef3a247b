import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { parseStoredEvent } from '../src/domain/stored-event.js';
import { retryDelayMs } from '../src/domain/retry-policy.js';
import { safeKey } from '../src/domain/signing.js';
import { toWire, wirePrefix } from '../src/domain/wire.js';
import type { HeadEvent } from '../src/store/outbox.js';
import type { DrainJob } from '../src/queue/jobs.js';
import type { WorkerContext } from './context.js';
import { ensureDrainJob } from './drain-recovery.js';
import { pushSigned, type SignedPush } from './push.js';
import { tracedPush } from './traced-push.js';

/** After a head: go on with the batch, read the head again, wait on the empty outbox, or end the job. */
type Step = 'next' | 'refetch' | 'wait' | 'stop';

/**
 * SafeKey = md5(SECRET + TimeStamp) is the same for every push of a school within one second: a
 * slice drains one school, so it computes it once per second instead of once per push.
 */
class SliceSigner {
  private secret = '';
  private timeStampS = -1;
  private key = '';

  readonly safeKeyOf = (secret: string, timeStampS: number): string => {
    if (secret !== this.secret || timeStampS !== this.timeStampS) {
      this.secret = secret;
      this.timeStampS = timeStampS;
      this.key = safeKey(secret, timeStampS);
    }
    return this.key;
  };
}

/**
 * Drains one school for a time slice: pushes the head, waits for the acknowledgement, records it,
 * and only then goes on to the next event. A failure schedules a delayed retry job and ends the
 * slice; a slice that runs out of time or batch yields so other schools get their turn. When the
 * outbox runs empty the drain keeps the school for a while (DrainLinger): the school's next events
 * wake it, handed over by the ingest, and start a new slice, without a new job or a fetch.
 */
export async function processDrain(ctx: WorkerContext, job: Job<DrainJob>): Promise<void> {
  const { sid, epoch } = job.data;
  const jobToken = randomUUID();
  /** The owner token: the job's, then each wait's own (the wake messages of a wait name it). */
  let token: string = jobToken;
  let waits = 0;
  const waitToken = () => `${jobToken}.${++waits}`;
  const signer = new SliceSigner();
  const { drainBatch, drainSliceMs } = ctx.config;
  let sliceEnd = Date.now() + drainSliceMs;
  /** The next head batch; with `mayWait`, an empty outbox leaves the drainer waiting for an event. */
  const fetchNext = async (mayWait: boolean) => {
    const next = mayWait ? waitToken() : undefined;
    const fetched = await ctx.linger.armedFor(next, (channel) => ctx.outbox.fetchHead(sid, 'next', token, next ?? token, drainBatch, channel));
    if (fetched.kind === 'waiting') token = next!;
    return fetched;
  };
  let fetched = await ctx.outbox.fetchHead(sid, 'claim', String(epoch), token, drainBatch);
  if (fetched.kind === 'stale') {
    // An old epoch's job runs only after a crash or a failed attempt: the process that moved the
    // school on may have died before adding the next job. Make sure it exists, now.
    await ensureDrainJob(ctx, sid, await ctx.outbox.drainState(sid), 'a stale drain job ran');
    return;
  }
  for (;;) {
    if (fetched.kind === 'waiting') {
      const woken = await ctx.linger.wait(token);
      // A woken drain starts a new slice: it pushed nothing while it waited.
      if (woken.reason === 'event') sliceEnd = Date.now() + drainSliceMs;
      if (woken.handoff) {
        // The ingest handed the school's new head over (the school is draining again): push it.
        ctx.deps.metrics.drainHandoffs.inc(woken.handoff.events.length);
        fetched = { kind: 'ok', ...woken.handoff };
      } else {
        // Waiting again only after an event: otherwise an empty outbox releases the school.
        fetched = await fetchNext(woken.reason === 'event');
      }
      continue;
    }
    if (fetched.kind !== 'ok') return;
    const { events, endpointUrl, secret } = fetched;
    let step: Step = 'next';
    for (const [i, head] of events.entries()) {
      // The batch's last event may empty the outbox: its settle then leaves the drainer waiting,
      // with a token of the wait's own.
      const nextToken = i === events.length - 1 ? waitToken() : undefined;
      step = await pushHead(ctx, { sid, token, url: endpointUrl, secret, signer, waitToken: nextToken }, head);
      if (step === 'stop') return;
      if (step === 'wait') token = nextToken!;
      if (step !== 'next' || ctx.stopping.value) break;
    }
    if (step === 'wait') {
      fetched = { kind: 'waiting' };
      continue;
    }
    if (ctx.stopping.value || Date.now() >= sliceEnd) {
      const next = await ctx.outbox.yieldDrain(sid, token);
      if (next !== null) await ctx.scheduler.drain(sid, next);
      return;
    }
    fetched = await fetchNext(true);
  }
}

/**
 * What pushHead needs of the slice: the school, its drainer's token, its endpoint, and, when the
 * head may be the outbox's last, the token the drainer waits with if it is (`wait`).
 */
interface SliceHead {
  sid: number;
  token: string;
  url: string;
  secret: string;
  signer: SliceSigner;
  waitToken: string | undefined;
}

async function pushHead(ctx: WorkerContext, slice: SliceHead, head: HeadEvent): Promise<Step> {
  const { sid, token, url, secret, signer } = slice;
  if (head.json === null) {
    ctx.logger.warn('queued event has no record any more; dropped from the outbox', { sid, eventId: head.id });
    const gone = await ctx.outbox.settle(sid, token, head.id, null);
    return gone.kind === 'ok' ? 'next' : gone.kind === 'moved' ? 'refetch' : 'stop';
  }
  const waitMs = await ctx.pushGate.waitMs(sid);
  if (waitMs > 0) {
    // maxPushesPerS: the school goes to the back of the queue until it may be pushed again.
    const next = await ctx.outbox.yieldDrain(sid, token);
    if (next !== null) await ctx.scheduler.drain(sid, next, waitMs);
    return 'stop';
  }
  const wire = toWire(parseStoredEvent(head.json));
  const push: SignedPush = {
    url, secret, msgId: head.id, timeoutMs: ctx.config.deliveryTimeoutMs, n: head.attempts + 1,
    body: { wirePrefix: wirePrefix(wire) },
    safeKeyOf: signer.safeKeyOf,
  };
  const report = ctx.tracing === undefined ? await pushSigned(ctx.client, push) : await tracedPush(ctx.tracing, ctx.client, push, sid, head, wire.Cmd as string | number);
  await ctx.pushGate.ended(sid);
  const { waitToken } = slice;
  const settled = await ctx.linger.armedFor(report.acknowledged ? waitToken : undefined,
    (channel) => ctx.outbox.settle(sid, token, head.id, report.attempt, report.errorText, channel, waitToken));
  const { metrics } = ctx.deps;
  metrics.pushes.inc({ outcome: report.attempt.outcome });
  metrics.pushDuration.observe(report.attempt.durationMs / 1000);
  if ((settled.kind === 'ok' || settled.kind === 'waiting') && report.acknowledged) metrics.ingestToAck.observe(Math.max(0, Date.now() - head.acceptedAtMs) / 1000);
  switch (settled.kind) {
    case 'ok':
      return 'next';
    case 'waiting':
      return 'wait';
    case 'moved':
      return 'refetch';
    case 'retry': {
      const delayMs = retryDelayMs(ctx.config.retryScheduleMs, settled.headAttempts);
      // Failures at a school's endpoint are the school's problem: a warning, not an error.
      ctx.logger.warn('push failed; retrying the head', { sid, eventId: head.id, attempt: report.attempt.n, outcome: report.attempt.outcome, error: report.errorText, retryInMs: delayMs });
      await ctx.scheduler.drain(sid, settled.epoch, delayMs);
      return 'stop';
    }
    default:
      return 'stop';
  }
}
