/** Messages between the bench and the room clients child (bench/room-clients-process.ts) over IPC. */

/** Room entries: `bodies[i]` is posted to `origins[i % origins.length]` + `path`, `inFlight` at a time. */
export interface EnterJob {
  id: number;
  op: 'enter';
  origins: string[];
  path: string;
  authorization: string;
  bodies: string[];
  inFlight: number;
}

export interface EntryOutcome {
  /** HTTP status and envelope code (null when the body was not the envelope). */
  status: number;
  code: number | null;
  roomId: string;
  userId: number;
  userToken: string;
  /** Request sent / reply read, epoch ms (nowEpochMs). */
  startMs: number;
  endMs: number;
  /** The start of an unexpected answer, or the error, for diagnosis. */
  failure: string | null;
}

export interface EnterResult {
  outcomes: EntryOutcome[];
  /** First request sent → last reply read. */
  elapsedMs: number;
}

/** Opens one SSE stream per entry (closing those of an earlier `open`); resolves once all answered 200. */
export interface OpenJob {
  id: number;
  op: 'open';
  streams: { origin: string; path: string; token: string }[];
}

export interface OpenResult {
  opened: number;
  elapsedMs: number;
}

export interface HostAction {
  path: string;
  body: string;
}

/**
 * The host's actions, one every `spacingMs` (never two in flight), sent to `origin` with the host's
 * `token`; then waits until every open stream holds `actions.length` messages (counted from this
 * job on), or `timeoutMs`.
 */
export interface FanoutJob {
  id: number;
  op: 'fanout';
  origin: string;
  token: string;
  actions: HostAction[];
  spacingMs: number;
  timeoutMs: number;
}

export interface ActionTiming {
  /** Request sent, reply read (epoch ms), HTTP status, envelope code. */
  startMs: number;
  replyMs: number;
  status: number;
  code: number | null;
}

/** One notification as a client saw it: `sig` names what it says (see room-clients-process.ts). */
export interface Arrival {
  seq: number;
  cmd: number;
  sig: string;
  atMs: number;
}

export interface StreamLog {
  /** The server ended the stream (or the connection broke). */
  ended: boolean;
  messages: Arrival[];
}

export interface FanoutResult {
  actions: ActionTiming[];
  streams: StreamLog[];
  /** Every stream reached `actions.length` messages before the timeout. */
  complete: boolean;
}

export type RoomClientsRequest = EnterJob | OpenJob | FanoutJob | { id: number; op: 'close' };

export type RoomClientsReply =
  | { id: number; ok: true; enter: EnterResult }
  | { id: number; ok: true; open: OpenResult }
  | { id: number; ok: true; fanout: FanoutResult }
  | { id: number; ok: true }
  | { id: number; ok: false; error: string };

/** What a room notification says, compared by the bench with what the host did. */
export function notificationSig(cmd: number, data: Record<string, unknown>): string {
  if (cmd === 3) return `room ${JSON.stringify(data.changes ?? null)}`;
  if (cmd === 4) return `user ${String(data.userId)} ${JSON.stringify(data.changes ?? null)}`;
  return `cmd ${cmd}`;
}
