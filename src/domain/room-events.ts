/**
 * Room notifications → catalogue events (API.md "Rooms"). The room's notifications are already in
 * the order everyone saw them (per-room seq), so the events derived from them are too.
 */
import { ROOM_CMD, type RoomRole } from './room-rules.js';

/** A notification as broadcast: `{cmd, version: 1, timestamp (ms), seq, data}`. */
export interface RoomMessage {
  cmd: number;
  version: 1;
  timestamp: number;
  seq: number;
  data: Record<string, unknown>;
}

/** Where a linked room reports: the school and class. */
export interface RoomLink {
  roomId: string;
  sid: number;
  classId: number;
}

/** Catalogue event fields (without the common ones), in the ingest's camelCase. */
export type RoomEventFields =
  | { type: 'enter'; uid: number; nickName: string; identity: 1 | 3; device: number }
  | { type: 'exit'; uid: number; identity: 1 | 3; reason: 1 | 2 | 4 | 6 | 60 }
  | { type: 'hands_up'; uid: number; up: boolean }
  | { type: 'reward'; uid: number; times: number }
  | { type: 'stage'; uid: number; up: boolean }
  | { type: 'mute'; targetUid: number; muted: boolean }
  | { type: 'mute_all'; muted: boolean }
  | { type: 'authorize'; targetUid: number; granted: boolean }
  | { type: 'kick_out'; targetUid: number; durationS: number };

/** A room event ready for `storeEvents` (normalized: id, sid, classId, actionTime set). */
export type RoomClassEvent = RoomEventFields & { id: string; sid: number; classId: number; actionTime: number; sourceUid?: number };

/** Web client (PROTOCOL.md §1 Device code 3): rooms are joined from the browser. */
const ROOM_DEVICE = 3;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const identity = (role: unknown): 1 | 3 => (num(role) === 1 ? 3 : 1);

/** The catalogue events one notification stands for (none for chat, host passing, …). */
export function eventFieldsOf(message: Pick<RoomMessage, 'cmd' | 'data'>): RoomEventFields[] {
  const d = message.data;
  const uid = num(d.uid);
  switch (message.cmd) {
    case ROOM_CMD.access:
      if (d.action === 'enter') return [{ type: 'enter', uid, nickName: String(d.userName), identity: identity(d.role as RoomRole), device: ROOM_DEVICE }];
      return [{ type: 'exit', uid, identity: identity(d.role as RoomRole), reason: num(d.reason) as 1 | 2 | 4 | 6 | 60 }];
    case ROOM_CMD.kick:
      return num(d.reason) === 4 ? [{ type: 'kick_out', targetUid: uid, durationS: num(d.durationS ?? 0) }] : [];
    case ROOM_CMD.room: {
      const changes = (d.changes ?? {}) as Record<string, unknown>;
      return typeof changes.muteAllAudio === 'boolean' ? [{ type: 'mute_all', muted: changes.muteAllAudio }] : [];
    }
    case ROOM_CMD.user:
      return userChangeEvents(uid, (d.changes ?? {}) as Record<string, unknown>);
    case ROOM_CMD.board:
      // The board handed to (or taken from) another user is an authorization; opening it oneself is not.
      return typeof d.grantBoard === 'boolean' && d.byUserId !== d.userId ? [{ type: 'authorize', targetUid: uid, granted: d.grantBoard }] : [];
    default:
      return [];
  }
}

function userChangeEvents(uid: number, c: Record<string, unknown>): RoomEventFields[] {
  const out: RoomEventFields[] = [];
  if (typeof c.handsUp === 'boolean') out.push({ type: 'hands_up', uid, up: c.handsUp });
  if (typeof c.stage === 'boolean') out.push({ type: 'stage', uid, up: c.stage });
  if (typeof c.enableAudio === 'boolean') out.push({ type: 'mute', targetUid: uid, muted: !c.enableAudio });
  if (typeof c.grantBoard === 'boolean') out.push({ type: 'authorize', targetUid: uid, granted: c.grantBoard });
  if (typeof c.rewards === 'number') out.push({ type: 'reward', uid, times: c.rewards });
  return out;
}

/**
 * Deterministic id of the k-th event of a notification: `ev_<sid>_<roomId><seq base 36>z<k>`
 * (the roomId is hex, so `z` separates). Relaying a notification twice stores nothing twice.
 */
export function roomEventId(link: RoomLink, seq: number, k: number): string {
  return `ev_${link.sid}_${link.roomId}${seq.toString(36)}z${k}`;
}

/** The normalized events of a run of notifications, in order. */
export function roomClassEvents(link: RoomLink, messages: RoomMessage[]): RoomClassEvent[] {
  return messages.flatMap((m) => {
    const byUid = num(m.data.byUid);
    return eventFieldsOf(m).map((fields, k) => ({
      ...fields,
      id: roomEventId(link, m.seq, k),
      sid: link.sid,
      classId: link.classId,
      actionTime: Math.floor(m.timestamp / 1000),
      ...(byUid > 0 ? { sourceUid: byUid } : {}),
    }));
  });
}
