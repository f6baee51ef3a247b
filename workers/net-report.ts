import type { Job } from 'bullmq';
import type { SystemEvent } from '../src/domain/events.js';
import { aggregateNetwork, NET_WINDOW_S, type NetworkSample } from '../src/domain/network-report.js';
import type { NetReportJob } from '../src/queue/jobs.js';
import type { WorkerContext } from './context.js';
import { queueSystemEvents } from './system-events.js';

/**
 * Folds one 5-minute window of raw network samples into one "Net" event per user. Samples that
 * arrive after the window's job ran (more than 5 s late) are dropped with the window's list.
 */
export async function processNetReport(ctx: WorkerContext, job: Job<NetReportJob>): Promise<void> {
  const { sid, classId, windowStartS } = job.data;
  const { deps } = ctx;
  const raw = await deps.netSamples.samples(job.data);
  if (raw.length === 0) {
    await deps.netSamples.drop(job.data);
    return;
  }
  const samples = raw.map((json) => JSON.parse(json) as NetworkSample);
  const [schedule] = (await deps.classes.schedules([{ sid, classId }])).values();
  const events = [...aggregateNetwork(samples)].map(([uid, data]) => ({
    type: 'network', id: `net_${sid}_${classId}_${windowStartS}_${uid}`, sid, classId, uid,
    actionTime: windowStartS + NET_WINDOW_S, data: data as unknown as Record<string, unknown>,
    ...(schedule ? { courseId: schedule.courseId, schedule: { startTime: schedule.startTime, closeTime: schedule.closeTime } } : {}),
  })) as SystemEvent[];
  await queueSystemEvents(deps, events);
  await deps.netSamples.drop(job.data);
}
