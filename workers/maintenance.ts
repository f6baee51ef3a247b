import type { Deps } from '../src/deps.js';
import { NET_WINDOW_S } from '../src/domain/network-report.js';
import { netReportJobId, summaryJobId, verifyJobId } from '../src/queue/jobs.js';
import type { TaskLocks } from '../src/store/task-locks.js';
import { ensureDrainJob } from './drain-recovery.js';

/**
 * A school whose drain state has not moved for this long is checked for a missing job. It is the
 * backstop for one path only: an API process that died between the ingest script (which marked
 * the school scheduled) and adding its drain job. Crashed workers are taken over by BullMQ's
 * stalled check, and a stale job adds its school's current job itself (drain-recovery.ts).
 */
export const RECONCILE_AFTER_MS = 5_000;

/** How often the reconciler runs (in one worker process at a time). */
export const RECONCILE_EVERY_MS = 5_000;

/** Schools whose drain state is read at once by the reconciler. */
const RECONCILE_CHUNK = 500;

/**
 * Finds schools marked as scheduled whose drain job no longer exists and adds the job again (a
 * retry keeps what is left of its delay). Reads every school's drain state a chunk at a time (one
 * command per school: each lives in its own cluster slot). Safe to run in many processes at once:
 * job ids are deterministic.
 */
export async function reconcileDrains(deps: Deps, nowMs = Date.now()): Promise<number> {
  const sids = await deps.schools.sids();
  let readded = 0;
  for (let i = 0; i < sids.length; i += RECONCILE_CHUNK) {
    const chunk = sids.slice(i, i + RECONCILE_CHUNK);
    const states = await deps.outbox.drainStates(chunk);
    for (const [j, state] of states.entries()) {
      if (!state.scheduled || state.atMs > nowMs - RECONCILE_AFTER_MS) continue;
      if (await ensureDrainJob(deps, chunk[j]!, state, 'reconciler', nowMs)) readded++;
    }
  }
  return readded;
}

/** A delete still listed after this long lost its process half-way (a DELETE takes milliseconds). */
const DELETE_GRACE_MS = 5_000;

/** Finishes school deletes whose process died half-way (SchoolStore.delete). */
export async function reconcileDeletes(deps: Deps, nowMs = Date.now()): Promise<number> {
  const sids = await deps.schools.finishPendingDeletes(nowMs - DELETE_GRACE_MS);
  if (sids.length > 0) deps.logger.warn('finished school deletes left half-done', { sids });
  return sids.length;
}

/** A journaled ingest batch (Redis Cluster) still there after this long lost its API process. */
export const JOURNAL_GRACE_MS = 10_000;

/** Applies ingest batches whose API process died after their commit point, and wakes the drains. */
export async function reconcileIngestJournal(deps: Deps, nowMs = Date.now()): Promise<number> {
  const results = await deps.outbox.applyJournal(nowMs - JOURNAL_GRACE_MS);
  for (const result of results) {
    if (result.kind !== 'ok') continue;
    if (result.accepted.length > 0) deps.logger.warn('finished an ingest batch left half-applied', { accepted: result.accepted.length });
    await deps.scheduler.drainMany(result.wakes);
  }
  return results.length;
}

/**
 * Runs `task` every intervalMs in at most one process at a time (a Redis lock per task), and once
 * soon after start: a worker restarted in a crash loop must not wait a whole interval.
 */
export function every(locks: TaskLocks, name: string, intervalMs: number, task: () => Promise<unknown>, onError: (e: unknown) => void): () => void {
  const run = () => {
    void (async () => {
      if (await locks.take(name, Math.max(1000, intervalMs - 100))) await task();
    })().catch(onError);
  };
  const first = setTimeout(run, 500 + Math.floor(Math.random() * 1000));
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

/** A summary job may be this late before the reconciler adds it again. */
export const SUMMARY_GRACE_MS = 60_000;

/**
 * Classes whose summary is overdue and still not settled get their job again (it was lost: the
 * API could not add it while Redis was away, or BullMQ gave up on it). The summary event has a
 * fixed id, so a job that was only slow cannot push twice.
 */
export async function reconcileSummaries(deps: Deps, nowMs = Date.now()): Promise<number> {
  let readded = 0;
  for (const { sid, classId } of await deps.classes.dueBefore(nowMs - SUMMARY_GRACE_MS, 500)) {
    const record = await deps.classes.get(sid, classId);
    if (!record || record.summary !== 'scheduled') {
      await deps.classes.clearDue(sid, classId);
      continue;
    }
    if (await deps.scheduler.jobExists(summaryJobId(sid, classId, record.version))) continue;
    deps.logger.warn('summary job missing for an overdue class; adding it again', { sid, classId });
    await deps.scheduler.summary(sid, classId, record.version, Date.now());
    readded++;
  }
  return readded;
}

/** A Net report whose first sample came this long ago (a window, its grace, a margin) is overdue. */
export const NET_REPORT_GRACE_MS = (NET_WINDOW_S + 65) * 1000;

/**
 * Sample lists still waiting long after their window closed get their Net report job again (it
 * was lost between the ingest script and adding the job). The job id is deterministic, so a job
 * that was only late is not doubled; a list that is gone (reported, or expired) leaves the index.
 */
export async function reconcileNetReports(deps: Deps, nowMs = Date.now()): Promise<number> {
  let readded = 0;
  for (const w of await deps.netSamples.dueBefore(await deps.schools.sids(), nowMs - NET_REPORT_GRACE_MS)) {
    if (await deps.scheduler.jobExists(netReportJobId(w.sid, w.classId, w.windowStartS))) continue;
    deps.logger.warn('Net report job missing for a closed window; adding it again', { ...w });
    await deps.scheduler.netReport(w.sid, w.classId, w.windowStartS, Date.now());
    readded++;
  }
  return readded;
}

/** A school pending verification for this long without a verify job gets one again. */
export const VERIFY_GRACE_MS = 60_000;

export async function reconcileVerifications(deps: Deps, nowMs = Date.now()): Promise<number> {
  let readded = 0;
  for (const school of await deps.schools.list()) {
    if (school.status !== 'pending' || !school.verifyId || nowMs - Date.parse(school.updatedAt) < VERIFY_GRACE_MS) continue;
    if (await deps.scheduler.jobExists(verifyJobId(school.sid, school.verifyId))) continue;
    deps.logger.warn('verify job missing for a pending school; adding it again', { sid: school.sid });
    await deps.scheduler.verify(school.sid, school.verifyId);
    readded++;
  }
  return readded;
}
