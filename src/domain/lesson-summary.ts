/**
 * The lesson summary: the `Data` of ClassIn's after-class "End" message
 * (PROTOCOL.md §1, "After-class messages"), computed from the in-class events
 * received for one class. Pure: no I/O, no clock.
 */
import type { ClassEvent } from './events.js';
import { buildSummaryData, type LessonSummaryData } from './lesson-summary-data.js';
import {
  applyAuthorize,
  applyEnter,
  applyExit,
  applyHandsUp,
  applyStage,
  eventUid,
  MuteAllState,
  UserState,
  type LessonWindow,
} from './lesson-summary-state.js';

export type {
  AuthorizeTotals,
  HandsUpTotals,
  InOutDetail,
  InOutTotals,
  KickOut,
  LessonSummaryData,
  MuteEnd,
  StageTotals,
} from './lesson-summary-data.js';

/** What the summary of one class is computed from. */
export interface LessonSummaryInput {
  /** Lesson start, unix seconds. */
  readonly startTime: number;
  /** ClassIn `CloseTime`: the scheduled close INCLUDING the 20-minute overtime, unix seconds. */
  readonly closeTime: number;
  /** Set when the class was closed early; 0 or undefined = not closed early. */
  readonly realCloseTime?: number;
  /** Every in-class event received for the class, in any order, duplicates possible. */
  readonly events: readonly ClassEvent[];
}

/** The "End" fields classbell computes; `RealCloseTime` only when the class closed early. */
export interface LessonSummary {
  readonly StartTime: number;
  readonly CloseTime: number;
  readonly RealCloseTime?: number;
  readonly Data: LessonSummaryData;
}

/**
 * The end of the lesson, unix seconds: `CloseTime` when `RealCloseTime` is
 * absent or 0, else `min(RealCloseTime, CloseTime)` (PROTOCOL.md §1).
 */
export function lessonEndTime(closeTime: number, realCloseTime?: number): number {
  return realCloseTime ? Math.min(realCloseTime, closeTime) : closeTime;
}

/**
 * The events that count, in order: duplicates of an `id` dropped (the first
 * one given is kept), sorted by `actionTime` (stable, so events of the same
 * second keep the order given), and those after `endS` left out.
 */
export function orderLessonEvents(events: readonly ClassEvent[], endS: number): ClassEvent[] {
  const seen = new Set<string>();
  const unique = events.filter((event) => {
    if (seen.has(event.id)) return false;
    seen.add(event.id);
    return true;
  });
  return unique.sort((a, b) => a.actionTime - b.actionTime).filter((e) => e.actionTime <= endS);
}

/** UIDs whose first stage event is a "down": they were on stage from their entry. */
function onStageFromEntry(events: readonly ClassEvent[]): Set<number> {
  const firstUp = new Map<number, boolean>();
  for (const e of events) if (e.type === 'stage' && !firstUp.has(e.uid)) firstUp.set(e.uid, e.up);
  return new Set([...firstUp].filter(([, up]) => !up).map(([uid]) => uid));
}

/** Replays ordered events over per-user states; returns the states closed at `endS`. */
function replay(events: readonly ClassEvent[], window: LessonWindow, endS: number) {
  const stagedFromEntry = onStageFromEntry(events);
  const users = new Map<number, UserState>();
  const muteAll = new MuteAllState(window);
  const userOf = (uid: number) => {
    let user = users.get(uid);
    if (!user) users.set(uid, (user = new UserState(uid, window, stagedFromEntry.has(uid))));
    return user;
  };
  for (const event of events) {
    const t = event.actionTime;
    if (event.type === 'mute_all') {
      if (event.muted && !muteAll.on) muteAll.count += 1;
      muteAll.on = event.muted;
      muteAll.span.set(muteAll.on, t);
      for (const user of users.values()) user.refresh(t, muteAll.on);
      continue;
    }
    const uid = eventUid(event);
    if (uid === undefined) continue; // a type the summary does not use
    const user = userOf(uid);
    applyEvent(user, event, endS);
    user.refresh(t, muteAll.on);
  }
  closeAll([...users.values()], muteAll, endS);
  return { users: [...users.values()], muteAll };
}

function applyEvent(user: UserState, event: ClassEvent, endS: number): void {
  switch (event.type) {
    case 'enter':
      return applyEnter(user, event);
    case 'exit':
      return applyExit(user, event);
    case 'stage':
      return applyStage(user, event, endS);
    case 'hands_up':
      return applyHandsUp(user, event);
    case 'authorize':
      return applyAuthorize(user, event);
    case 'mute':
      user.everMuted ||= event.muted;
      user.muted = event.muted;
      return;
    case 'reward':
      user.maxTimes = Math.max(user.maxTimes, event.times);
      user.rewardCount += 1;
      return;
    case 'kick_out':
      user.kicks.push({ Duration: event.durationS, Time: event.actionTime });
      return;
    default:
      return;
  }
}

/** Counts everyone still inside out at the end (one `Out` per device) and closes every span. */
function closeAll(users: readonly UserState[], muteAll: MuteAllState, endS: number): void {
  for (const user of users) {
    for (let i = 0; i < user.devicesIn.size; i += 1) user.details.push({ Type: 'Out', Time: endS });
    user.devicesIn.clear();
    user.refresh(endS, muteAll.on);
  }
  muteAll.span.set(false, endS);
}

/**
 * Computes the lesson summary ("End") of one class, or null when nobody
 * entered it (no `enter` at or before the end of the lesson).
 *
 * Rules PROTOCOL.md states are applied as written. Where it is silent:
 * - Time: every duration is whole seconds, each interval floored on its own
 *   and clamped to [StartTime, end]; an end before StartTime makes them all 0.
 *   Events at exactly the end count; `Details`/`kickoutEnd` keep real event
 *   times (an `In` before StartTime shows its real time, but counts from StartTime).
 * - Presence is per device (`clientId`, default 0): the user is present while
 *   any device is inside. An enter of a device already inside (a reconnect)
 *   and an exit of a device not inside are ignored, so `Details` pair up;
 *   each device still inside at the end gets `{Type:"Out", Time: end}`.
 *   `Identity` is the one of the user's latest enter/exit. Only users with an
 *   `enter` are listed in `inoutEnd`.
 * - Counts (raises, ups, grants, rewards, kicks, mute-all switches) count
 *   effective switches whenever they happen, even before StartTime or while the
 *   user is out; seconds accrue only while the user is present. A repeated
 *   "on" (raise while raised, grant while granted) is not a new one.
 * - Leaving the room (the last device out) lowers a raised hand and ends an
 *   authorisation. Stage and individual-mute states are kept while the user is
 *   out (their time just stops) and resume on return.
 * - Stage: a user whose first stage event is a "down" was on stage from entry
 *   (UpCount starts at 1). DownCount counts downs before the end: a down at
 *   the end is the close clearing the stage, so "never taken down" holds.
 *   DownTotal = seconds present and off stage.
 * - Sections other than `inoutEnd` list only users with an event of their kind
 *   (`muteEnd.Persons`: users individually muted at least once); sections with
 *   nobody are `{}`. `muteEnd` is absent unless someone was muted (a `mute`
 *   or `mute_all` switching muting on); mute-all applies to every listed person.
 */
export function computeLessonSummary(input: LessonSummaryInput): LessonSummary | null {
  const endS = lessonEndTime(input.closeTime, input.realCloseTime);
  const events = orderLessonEvents(input.events, endS);
  if (!events.some((event) => event.type === 'enter')) return null;
  const window: LessonWindow = { startS: input.startTime, endS: Math.max(endS, input.startTime) };
  const { users, muteAll } = replay(events, window, endS);
  return {
    StartTime: input.startTime,
    CloseTime: input.closeTime,
    ...(input.realCloseTime ? { RealCloseTime: input.realCloseTime } : {}),
    Data: buildSummaryData(users, muteAll),
  };
}
