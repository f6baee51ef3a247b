import type { Job } from 'bullmq';
import type { ClassEvent, SystemEvent } from '../src/domain/events.js';
import { computeLessonSummary } from '../src/domain/lesson-summary.js';
import { CLASS_OVERTIME_S } from '../src/domain/wire.js';
import type { SummaryJob } from '../src/queue/jobs.js';
import type { WorkerContext } from './context.js';
import { queueSystemEvents } from './system-events.js';

/** The in-class types the lesson summary is computed from. */
const SUMMARY_INPUTS = new Set(['enter', 'exit', 'hands_up', 'reward', 'stage', 'mute', 'mute_all', 'kick_out', 'authorize']);

/**
 * Computes a class's lesson summary from the in-class events received for it and queues it as the
 * "End" push (in order with the school's other events). Nobody entered: no summary.
 */
export async function processSummary(ctx: WorkerContext, job: Job<SummaryJob>): Promise<void> {
  const { sid, classId, version } = job.data;
  const { deps } = ctx;
  const record = await deps.classes.get(sid, classId);
  if (!record || record.version !== version || record.summary !== 'scheduled') return;
  const ids = await deps.classes.eventIds(sid, classId);
  const events = (await deps.deliveries.eventJsons(sid, ids))
    .flatMap((json) => (json ? [JSON.parse(json) as ClassEvent] : []))
    .filter((e) => SUMMARY_INPUTS.has(e.type));
  const summary = computeLessonSummary({
    startTime: record.startTime,
    closeTime: record.closeTime + CLASS_OVERTIME_S,
    ...(record.realCloseTime ? { realCloseTime: record.realCloseTime } : {}),
    events,
  });
  if (!summary) {
    await deps.classes.settleSummary(sid, classId, version, 'none', ctx.config.deliveryRetentionS);
    ctx.logger.info('no lesson summary: nobody entered', { sid, classId });
    return;
  }
  const end = {
    type: 'lesson_summary', id: `end_${sid}_${classId}`, sid, classId, courseId: record.courseId,
    actionTime: Math.floor(Date.now() / 1000),
    startTime: summary.StartTime, closeTime: summary.CloseTime,
    ...(summary.RealCloseTime !== undefined ? { realCloseTime: summary.RealCloseTime } : {}),
    data: summary.Data as unknown as Record<string, unknown>,
  } as SystemEvent;
  await queueSystemEvents(deps, [end]);
  await deps.classes.settleSummary(sid, classId, version, 'pushed', ctx.config.deliveryRetentionS);
  ctx.logger.info('lesson summary queued', { sid, classId, events: events.length });
}
