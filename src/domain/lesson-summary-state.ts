/**
 * The per-user state machine behind the lesson summary ("End", PROTOCOL.md §1):
 * what each in-class event switches on or off, and the whole seconds each
 * condition held inside the lesson window. Pure; used by `lesson-summary.ts`.
 */
import type { ClassEvent, ClassEventOf } from './events.js';

/** The lesson window, unix seconds: `[startS, endS]`, with `endS >= startS`. */
export interface LessonWindow {
  readonly startS: number;
  readonly endS: number;
}

/** One entry of `inoutEnd[UID].Details`; `Device` only on an `In`. */
export type InOutDetail =
  | { readonly Type: 'In'; readonly Device: number; readonly Time: number }
  | { readonly Type: 'Out'; readonly Time: number };

/** One entry of `kickoutEnd[UID]`. */
export interface KickOut {
  readonly Duration: number;
  readonly Time: number;
}

/**
 * Whole seconds of `[fromS, toS]` that fall inside the window. Each interval
 * is floored on its own, so a hand raised and lowered within a second is 0 s.
 */
function windowSeconds(window: LessonWindow, fromS: number, toS: number): number {
  const clamp = (t: number) => Math.min(Math.max(t, window.startS), window.endS);
  return Math.floor(Math.max(0, clamp(toS) - clamp(fromS)));
}

/** Accumulates the seconds a condition held: switch it on and off with {@link set}. */
class Span {
  private sinceS: number | undefined;
  private totalS = 0;

  constructor(private readonly window: LessonWindow) {}

  /** Records that the condition is (`active`) or is not true from `atS` on. */
  set(active: boolean, atS: number): void {
    if (active && this.sinceS === undefined) {
      this.sinceS = atS;
    } else if (!active && this.sinceS !== undefined) {
      this.totalS += windowSeconds(this.window, this.sinceS, atS);
      this.sinceS = undefined;
    }
  }

  /** Seconds accumulated by closed intervals (close the span first). */
  get total(): number {
    return this.totalS;
  }
}

/** Everything the summary needs to know about one user. */
export class UserState {
  /** Identity from the user's latest enter or exit. */
  identity = 0;
  /** True once an `enter` was seen: only such users are listed in `inoutEnd`. */
  entered = false;
  readonly details: InOutDetail[] = [];
  /** ClientIDs (0 first device, 1 second) currently inside. */
  readonly devicesIn = new Set<number>();
  readonly presence: Span;

  handRaised = false;
  raises = 0;
  hasHandsUp = false;
  readonly handSpan: Span;

  onStage = false;
  ups = 0;
  downs = 0;
  hasStage = false;
  readonly upSpan: Span;
  readonly downSpan: Span;

  granted = false;
  grants = 0;
  hasAuthorize = false;
  readonly authSpan: Span;

  muted = false;
  everMuted = false;
  readonly speakSpan: Span;

  maxTimes = 0;
  rewardCount = 0;
  readonly kicks: KickOut[] = [];

  constructor(
    readonly uid: number,
    window: LessonWindow,
    onStageFromEntry: boolean,
  ) {
    this.presence = new Span(window);
    this.handSpan = new Span(window);
    this.upSpan = new Span(window);
    this.downSpan = new Span(window);
    this.authSpan = new Span(window);
    this.speakSpan = new Span(window);
    if (onStageFromEntry) {
      // The first stage event is a "down" with no "up" before it: the user was
      // put on stage before any event we hold, so that implied "up" counts once.
      this.onStage = true;
      this.ups = 1;
      this.hasStage = true;
    }
  }

  get present(): boolean {
    return this.devicesIn.size > 0;
  }

  /** Re-evaluates every timed condition at `atS`, after a state change. */
  refresh(atS: number, muteAllOn: boolean): void {
    const present = this.present;
    this.presence.set(present, atS);
    this.handSpan.set(present && this.handRaised, atS);
    this.upSpan.set(present && this.onStage, atS);
    this.downSpan.set(present && !this.onStage, atS);
    this.authSpan.set(present && this.granted, atS);
    this.speakSpan.set(present && !this.muted && !muteAllOn, atS);
  }
}

/** Mute-all over the whole classroom. */
export class MuteAllState {
  on = false;
  count = 0;
  readonly span: Span;

  constructor(window: LessonWindow) {
    this.span = new Span(window);
  }
}

/** Applies an `enter`: a device already inside entering again is a reconnect, not a new `In`. */
export function applyEnter(user: UserState, e: ClassEventOf<'enter'>): void {
  user.entered = true;
  user.identity = e.identity;
  const clientId = e.clientId ?? 0;
  if (user.devicesIn.has(clientId)) return;
  user.devicesIn.add(clientId);
  user.details.push({ Type: 'In', Device: e.device, Time: e.actionTime });
}

/**
 * Applies an `exit`. An exit of a device not inside is ignored, so Details
 * always pair up. Leaving the room (last device out) lowers a raised hand and
 * ends an authorisation; stage and mute states are kept for a return.
 */
export function applyExit(user: UserState, e: ClassEventOf<'exit'>): void {
  user.identity = e.identity;
  const clientId = e.clientId ?? 0;
  if (!user.devicesIn.delete(clientId)) return;
  user.details.push({ Type: 'Out', Time: e.actionTime });
  if (!user.present) {
    user.handRaised = false;
    user.granted = false;
  }
}

/** Applies a stage switch; a "down" at the very end is the close clearing the stage, not counted. */
export function applyStage(user: UserState, e: ClassEventOf<'stage'>, endS: number): void {
  user.hasStage = true;
  if (e.up && !user.onStage) {
    user.onStage = true;
    user.ups += 1;
  } else if (!e.up && user.onStage) {
    user.onStage = false;
    if (e.actionTime < endS) user.downs += 1;
  }
}

/** Applies a hands-up switch; a repeated raise while raised is not a new raise. */
export function applyHandsUp(user: UserState, e: ClassEventOf<'hands_up'>): void {
  user.hasHandsUp = true;
  if (e.up && !user.handRaised) user.raises += 1;
  user.handRaised = e.up;
}

/** Applies a grant or revocation; a repeated grant while granted is not a new grant. */
export function applyAuthorize(user: UserState, e: ClassEventOf<'authorize'>): void {
  user.hasAuthorize = true;
  if (e.granted && !user.granted) user.grants += 1;
  user.granted = e.granted;
}

/** The user an event concerns, or undefined for classroom-wide and unknown types. */
export function eventUid(event: ClassEvent): number | undefined {
  switch (event.type) {
    case 'enter':
    case 'exit':
    case 'hands_up':
    case 'reward':
    case 'stage':
      return event.uid;
    case 'mute':
    case 'kick_out':
    case 'authorize':
      return event.targetUid;
    default:
      return undefined;
  }
}
