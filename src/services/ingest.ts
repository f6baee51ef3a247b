import type { Deps } from '../deps.js';
import { CATALOGUE } from '../domain/catalogue.js';
import { normalizeEvent, parseIngestBody, type ClassEvent, type EventInput, type Problem, type SystemEvent } from '../domain/events.js';
import { netWindowStart, NET_WINDOW_S } from '../domain/network-report.js';
import { AppError, forbidden, invalidRequest as invalid, notFound } from '../lib/errors.js';
import { appServes, type App } from '../store/apps.js';
import { DeliveryStore } from '../store/deliveries.js';
import type { OutboxEntry } from '../store/outbox.js';
import { extendClass } from './class-schedule.js';
import { scheduleSafely, wakeDrains } from './add-jobs.js';

export interface IngestOutcome {
  accepted: string[];
  duplicates: string[];
}

/** Samples of a window are aggregated this long after the window ends (late samples still count). */
const NET_GRACE_MS = 5000;

type Schedules = Awaited<ReturnType<Deps['classes']['schedules']>>;

async function schedulesFor(deps: Deps, events: { sid: number; classId?: number | undefined; type: string }[]): Promise<Schedules> {
  const pairs = new Map<string, { sid: number; classId: number }>();
  for (const e of events) if (e.classId !== undefined) pairs.set(`${e.sid}/${e.classId}`, { sid: e.sid, classId: e.classId });
  return deps.classes.schedules([...pairs.values()]);
}

/** Where an event goes besides (or instead of) the outbox. */
function routeOf(deps: Deps, event: SystemEvent): Pick<OutboxEntry, 'classListKey' | 'sampleKey'> {
  const row = CATALOGUE[event.type];
  const classId = 'classId' in event ? event.classId : undefined;
  if (classId === undefined || row.dimension !== 'class') return {};
  if (event.type === 'network_sample') return { sampleKey: deps.keys.netSamples(event.sid, classId, netWindowStart(event.actionTime)) };
  return row.timing === 'in_class' ? { classListKey: deps.keys.classEvents(event.sid, classId) } : {};
}

/**
 * Stores normalized events (one atomic batch), wakes the drains and runs the follow-ups: Net
 * windows to aggregate, class extensions to reschedule.
 */
export async function storeEvents(deps: Deps, appId: string, events: SystemEvent[], clientIds: Set<string>, nowMs: number, traceParent?: string): Promise<IngestOutcome> {
  const entries: OutboxEntry[] = events.map((event) => Object.assign(
    { id: event.id, sid: event.sid, indexed: clientIds.has(event.id), type: event.type, json: JSON.stringify(event) },
    routeOf(deps, event),
  ));
  // Only when tracing is on: an untraced event's record holds no trace field at all.
  if (traceParent !== undefined) for (const entry of entries) entry.traceParent = traceParent;
  const written = deps.outbox.markWrite();
  const result = await deps.outbox.ingest(appId, entries, nowMs);
  if (result.kind === 'no_school') throw notFound(`school ${result.sid}`);
  if (result.kind === 'id_taken') throw new AppError('id_taken', 409, `event id ${result.id} is already used by another app`, { id: result.id });
  await wakeDrains(deps, result.wakes);
  const accepted = new Set(result.accepted);
  const perType = new Map<string, number>();
  for (const event of events) {
    if (!accepted.has(event.id)) continue;
    perType.set(event.type, (perType.get(event.type) ?? 0) + 1);
    if (event.type === 'class_extended') await extendClass(deps, event.sid, event.classId, event.startTime + event.lengthS);
  }
  for (const [type, n] of perType) deps.metrics.eventsIngested.inc({ type }, n);
  for (const key of result.samplesStarted) {
    const event = events.find((e) => e.type === 'network_sample' && routeOf(deps, e).sampleKey === key) as ClassEvent & { classId: number };
    const windowStartS = netWindowStart(event.actionTime);
    await scheduleSafely(deps, 'net-report', () => deps.scheduler.netReport(event.sid, event.classId, windowStartS, (windowStartS + NET_WINDOW_S) * 1000 + NET_GRACE_MS));
  }
  // Last, so a 503 here (REDIS_MIN_REPLICAS_ACK) comes after the wake-ups and follow-ups: the
  // client's retry finds duplicates, and nothing is left undone for them.
  await deps.outbox.replicated(result, written);
  return { accepted: result.accepted, duplicates: result.duplicates };
}

type Checked = { input: EventInput; sid: number }[];

/** Validates an app's POST /v1/events body: each event with its school (all problems at once). */
function checkBody(app: App, body: unknown): Checked {
  const parsed = parseIngestBody(body);
  if (!parsed.success) throw invalid(parsed.problems);
  const problems: Problem[] = [];
  const only = app.sids !== '*' && app.sids.length === 1 ? app.sids[0] : undefined;
  const withSid: Checked = [];
  parsed.events.forEach((input, i) => {
    const sid = input.sid ?? only;
    if (sid === undefined) problems.push({ path: parsed.batch ? `events[${i}].sid` : 'sid', message: 'required: this app serves more than one school' });
    else withSid.push({ input, sid });
  });
  if (problems.length > 0) throw invalid(problems);
  const denied = withSid.find((e) => !appServes(app, e.sid));
  if (denied) throw forbidden(`this app may not post events for school ${denied.sid}`);
  return withSid;
}

/** Turns checked events into normalized ones, with their classes' schedules. */
function normalizeChecked(withSid: Checked, schedules: Schedules, nowMs: number): { events: ClassEvent[]; clientIds: Set<string> } {
  const clientIds = new Set<string>();
  const events = withSid.map(({ input, sid }) => {
    if (input.id !== undefined) clientIds.add(input.id);
    const classId = 'classId' in input ? input.classId : undefined;
    const schedule = classId !== undefined ? schedules.get(`${sid}/${classId}`) : undefined;
    const id = input.id ?? DeliveryStore.assignId(sid, nowMs);
    const nowS = Math.floor(nowMs / 1000);
    // normalizeEvent copies the schedule's two times (no spread here: see normalizeEvent).
    const event = normalizeEvent(input, schedule ? { sid, id, nowS, schedule } : { sid, id, nowS });
    // The schedule knows the course: pushes carry CourseID even when the event left it out.
    if (schedule && 'classId' in event && event.courseId === undefined) event.courseId = schedule.courseId;
    return event;
  });
  return { events, clientIds };
}

/** POST /v1/events: all or nothing. `traceParent`: the trace context stored with each event (tracing on). */
export async function ingestFromApp(deps: Deps, app: App, body: unknown, nowMs = Date.now(), traceParent?: string): Promise<IngestOutcome> {
  const withSid = checkBody(app, body);
  // The classes' schedules and the app's rate limit are independent: asked together, one round
  // trip to Redis (a request the limit refuses has read its schedules for nothing).
  const [schedules] = await Promise.all([
    schedulesFor(deps, withSid.map((e) => ({ sid: e.sid, classId: 'classId' in e.input ? e.input.classId : undefined, type: e.input.type }))),
    deps.rateLimits.consume('ingest', app.appId, withSid.length, { limit: deps.config.ingestRateLimitPerS, windowMs: 1000 }),
  ]);
  const { events, clientIds } = normalizeChecked(withSid, schedules, nowMs);
  return storeEvents(deps, app.appId, events, clientIds, nowMs, traceParent);
}
