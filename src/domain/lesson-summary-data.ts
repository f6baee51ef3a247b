/**
 * The `Data` of a ClassIn "End" message (PROTOCOL.md §1), built from the
 * closed per-user states of `lesson-summary-state.ts`. UIDs are object keys.
 */
import type { InOutDetail, KickOut, MuteAllState, UserState } from './lesson-summary-state.js';

export type { InOutDetail, KickOut } from './lesson-summary-state.js';

/** `stageEnd[UID]`: ups and seconds on stage, downs and seconds present off stage. */
export interface StageTotals {
  readonly UpCount: number;
  readonly UpTotal: number;
  readonly DownCount: number;
  readonly DownTotal: number;
}

/** `handsupEnd[UID]`: `CTime` seconds with the hand raised, `Total` raises. */
export interface HandsUpTotals {
  readonly CTime: number;
  readonly Total: number;
}

/** `inoutEnd[UID]`: `Total` seconds present. */
export interface InOutTotals {
  readonly Total: number;
  readonly Details: readonly InOutDetail[];
  readonly Identity: number;
}

/** `muteEnd`: `Persons[UID].Total` = seconds the person could speak. */
export interface MuteEnd {
  readonly Persons: Readonly<Record<string, { readonly Total: number }>>;
  readonly MuteAll: { readonly Count: number; readonly Total: number };
}

/** `authorizeEnd[UID]`: grants and seconds authorised. */
export interface AuthorizeTotals {
  readonly Count: number;
  readonly Total: number;
}

/** The `Data` of "End"; `muteEnd` is absent when nobody was ever muted. */
export interface LessonSummaryData {
  readonly stageEnd: Readonly<Record<string, StageTotals>>;
  readonly handsupEnd: Readonly<Record<string, HandsUpTotals>>;
  readonly inoutEnd: Readonly<Record<string, InOutTotals>>;
  readonly awardEnd: Readonly<Record<string, { readonly Total: number }>>;
  readonly muteEnd?: MuteEnd;
  readonly kickoutEnd: Readonly<Record<string, readonly KickOut[]>>;
  readonly authorizeEnd: Readonly<Record<string, AuthorizeTotals>>;
}

/** One section: the users `include` selects, keyed by UID in ascending order. */
function section<T>(
  users: readonly UserState[],
  include: (user: UserState) => boolean,
  value: (user: UserState) => T,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const user of users) if (include(user)) out[String(user.uid)] = value(user);
  return out;
}

function muteEnd(users: readonly UserState[], muteAll: MuteAllState): MuteEnd | undefined {
  const anyoneMuted = muteAll.count > 0 || users.some((user) => user.everMuted);
  if (!anyoneMuted) return undefined;
  return {
    Persons: section(users, (u) => u.everMuted, (u) => ({ Total: u.speakSpan.total })),
    MuteAll: { Count: muteAll.count, Total: muteAll.span.total },
  };
}

/** Builds `Data` from closed states (every span switched off at the end of the lesson). */
export function buildSummaryData(
  states: readonly UserState[],
  muteAll: MuteAllState,
): LessonSummaryData {
  const users = [...states].sort((a, b) => a.uid - b.uid);
  const mute = muteEnd(users, muteAll);
  return {
    stageEnd: section(users, (u) => u.hasStage, (u) => ({
      UpCount: u.ups,
      UpTotal: u.upSpan.total,
      DownCount: u.downs,
      DownTotal: u.downSpan.total,
    })),
    handsupEnd: section(users, (u) => u.hasHandsUp, (u) => ({
      CTime: u.handSpan.total,
      Total: u.raises,
    })),
    inoutEnd: section(users, (u) => u.entered, (u) => ({
      Total: u.presence.total,
      Details: [...u.details],
      Identity: u.identity,
    })),
    // `times` is the running total, so the highest one wins; the count covers a lost event.
    awardEnd: section(users, (u) => u.rewardCount > 0, (u) => ({
      Total: Math.max(u.maxTimes, u.rewardCount),
    })),
    ...(mute ? { muteEnd: mute } : {}),
    kickoutEnd: section(users, (u) => u.kicks.length > 0, (u) => [...u.kicks]),
    authorizeEnd: section(users, (u) => u.hasAuthorize, (u) => ({
      Count: u.grants,
      Total: u.authSpan.total,
    })),
  };
}
