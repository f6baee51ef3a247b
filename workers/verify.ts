import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { VerifyJob } from '../src/queue/jobs.js';
import type { WorkerContext } from './context.js';
import { pushSigned } from './push.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends the registration test push; the school turns active on acknowledgement. */
export async function processVerify(ctx: WorkerContext, job: Job<VerifyJob>): Promise<void> {
  const { sid, verifyId } = job.data;
  const school = await ctx.schools.get(sid);
  if (!school || school.verifyId !== verifyId) return; // deleted, or a newer verification started
  // The test push counts against maxPushesPerS too (a wait of under a second, once per verification).
  for (let waitMs = await ctx.pushGate.waitMs(sid); waitMs > 0; waitMs = await ctx.pushGate.waitMs(sid)) await sleep(waitMs);
  const report = await pushSigned(ctx.client, {
    url: school.endpointUrl,
    secret: school.secret,
    msgId: `test_${randomBytes(8).toString('hex')}`,
    timeoutMs: ctx.config.deliveryTimeoutMs,
    n: 1,
    body: { testSid: sid },
  });
  await ctx.pushGate.ended(sid);
  const change = await ctx.schools.changeStatus(sid, report.acknowledged ? 'verified' : 'unverified', verifyId, report.errorText);
  if (change.kind === 'ok' && change.wakeEpoch !== null) await ctx.scheduler.drain(sid, change.wakeEpoch);
  if (report.acknowledged) ctx.logger.info('school endpoint verified', { sid });
  else ctx.logger.warn('school endpoint verification failed', { sid, error: report.errorText });
}
