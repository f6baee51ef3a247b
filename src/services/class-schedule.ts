import type { Deps } from '../deps.js';
import { CLASS_OVERTIME_S } from '../domain/wire.js';
import type { ClassRecord, ScheduleInput } from '../store/classes.js';
import { scheduleSafely } from './add-jobs.js';

/**
 * When the lesson really ended (PROTOCOL.md §1): the scheduled close plus the 20-minute overtime,
 * or the early close if that came first.
 */
export function effectiveCloseS(record: Pick<ClassRecord, 'closeTime' | 'realCloseTime'>): number {
  const scheduled = record.closeTime + CLASS_OVERTIME_S;
  return record.realCloseTime ? Math.min(record.realCloseTime, scheduled) : scheduled;
}

/** Queues the summary job of the record's current version, SUMMARY_DELAY_S after the close. */
async function scheduleSummary(deps: Deps, record: ClassRecord): Promise<void> {
  if (record.summary !== 'scheduled') return;
  const atMs = (effectiveCloseS(record) + deps.config.summaryDelayS) * 1000;
  await deps.classes.markDue(record.sid, record.classId, atMs);
  // Capped so a Redis outage cannot hang the request; a lost job is re-added by the reconciler.
  await scheduleSafely(deps, 'summary', () => deps.scheduler.summary(record.sid, record.classId, record.version, atMs));
}

/** Creates or changes a class's schedule and (re)schedules its summary. */
export async function putClass(deps: Deps, sid: number, classId: number, input: ScheduleInput): Promise<ClassRecord> {
  const record = await deps.classes.putSchedule(sid, classId, input);
  await scheduleSummary(deps, record);
  return record;
}

/** Closes a class early (idempotent): the summary follows SUMMARY_DELAY_S after realCloseTime. */
export async function closeClass(deps: Deps, sid: number, classId: number, realCloseTime: number) {
  const result = await deps.classes.close(sid, classId, realCloseTime);
  if (result && !result.alreadyClosed) await scheduleSummary(deps, result.record);
  return result;
}

/** A `class_extended` event moved the close: the summary moves with it. */
export async function extendClass(deps: Deps, sid: number, classId: number, closeTime: number): Promise<void> {
  const record = await deps.classes.extend(sid, classId, closeTime);
  if (record && !record.closed) await scheduleSummary(deps, record);
}
