/**
 * The ClassIn wire mapping (PROTOCOL.md §1): a {@link ClassEvent} becomes the
 * JSON body a school receives. Key order is fixed (`SID, Cmd, ClassID,
 * CourseID?, ActionTime, SourceUID?, …type fields…, _id`) so the stored wire
 * and every push of it are byte-identical apart from TimeStamp and SafeKey.
 */
import { CATALOGUE } from './catalogue.js';
import type { ClassEvent, ClassEventOf } from './events.js';

/** A JSON value as it may appear in a wire body. */
export type WireValue =
  | string
  | number
  | boolean
  | null
  | readonly WireValue[]
  | { readonly [key: string]: WireValue };

/** A ClassIn body without `TimeStamp`/`SafeKey` (those belong to each attempt). */
export type WireBody = { readonly [field: string]: WireValue };

type Fields = Record<string, WireValue>;

/** The type-specific wire fields of each accepted type, in ClassIn's names. */
const FIELD_MAPPERS: { [T in ClassEvent['type']]: (event: ClassEventOf<T>) => Fields } = {
  // "hands up" + UID / "award" + UID: ClassIn's Color string, no separator.
  hands_up: (e) => ({ Color: `hands up${e.uid}`, UID: e.uid, Handsup: e.up }),
  reward: (e) => ({ Color: `award${e.uid}`, UID: e.uid, Times: e.times }),
  authorize: (e) => ({ TargetUID: e.targetUid, Operation: e.granted }),
  enter: enterFields,
  exit: (e) => ({
    UID: e.uid,
    Identity: e.identity,
    ClientID: e.clientId ?? 0,
    Reason: e.reason,
  }),
  // ClassIn always sends Operation 1 on a kick-out: there is no "un-kick".
  kick_out: (e) => ({ TargetUID: e.targetUid, Duration: e.durationS, Operation: 1 }),
  mute: (e) => ({ TargetUID: e.targetUid, Operation: e.muted ? 1 : 0 }),
  // TargetUID 0 = the whole classroom.
  mute_all: (e) => ({ TargetUID: 0, Operation: e.muted ? 1 : 0 }),
  stage: (e) => ({ UID: e.uid, Operation: e.up ? 1 : 0 }),
};

function enterFields(e: ClassEventOf<'enter'>): Fields {
  const fields: Fields = {
    UID: e.uid,
    NickName: e.nickName,
    Identity: e.identity,
    Device: e.device,
    ClientID: e.clientId ?? 0,
  };
  // Absent optionals are left out rather than sent as null or "".
  if (e.loginMobile !== undefined) fields.LoginMobile = e.loginMobile;
  if (e.loginEmail !== undefined) fields.LoginEmail = e.loginEmail;
  if (e.allowEnterTime !== undefined) fields.AllowEnterTime = e.allowEnterTime;
  return fields;
}

/** The fields every message starts with; CourseID and SourceUID only when known. */
function commonHead(event: ClassEvent): Fields {
  const head: Fields = { SID: event.sid, Cmd: CATALOGUE[event.type].cmd, ClassID: event.classId };
  if (event.courseId !== undefined) head.CourseID = event.courseId;
  head.ActionTime = event.actionTime;
  if (event.sourceUid !== undefined) head.SourceUID = event.sourceUid;
  return head;
}

/**
 * Maps an accepted event to its ClassIn body, without `TimeStamp`/`SafeKey`.
 * Pure and deterministic: the same event always yields the same key order.
 */
export function toWire(event: ClassEvent): WireBody {
  // The cast pairs each event with its own mapper; TS cannot correlate the two unions.
  const mapFields = FIELD_MAPPERS[event.type] as (e: ClassEvent) => Fields;
  return { ...commonHead(event), ...mapFields(event), _id: event.id };
}

/**
 * The serialised wire body without its closing `}`, computed once per event
 * so each push attempt only appends the attempt's TimeStamp and SafeKey.
 */
export function wirePrefix(wire: WireBody): string {
  return JSON.stringify(wire).slice(0, -1);
}

/**
 * Completes a {@link wirePrefix} into the body of one push attempt:
 * `…,"TimeStamp":<ts>,"SafeKey":"<md5>"}`.
 * @throws RangeError when `timeStampS` is not a non-negative safe integer (it would not be valid JSON).
 */
export function completeBody(prefix: string, timeStampS: number, safeKey: string): string {
  assertUnixSeconds(timeStampS);
  // A prefix of just "{" (empty wire) must not get a leading comma.
  const separator = prefix.length > 1 ? ',' : '';
  return `${prefix}${separator}"TimeStamp":${timeStampS},"SafeKey":${JSON.stringify(safeKey)}}`;
}

/**
 * The registration test push (PROTOCOL.md §1), keys in ClassIn's documented order:
 * `{"SID":…,"Cmd":"Test","Msg":"Register test.","SafeKey":"…","TimeStamp":…}`.
 */
export function testPushBody(sid: number, timeStampS: number, safeKey: string): string {
  assertUnixSeconds(timeStampS);
  return JSON.stringify({
    SID: sid,
    Cmd: 'Test',
    Msg: 'Register test.',
    SafeKey: safeKey,
    TimeStamp: timeStampS,
  });
}

function assertUnixSeconds(timeStampS: number): void {
  if (!Number.isSafeInteger(timeStampS) || timeStampS < 0) {
    throw new RangeError(`TimeStamp must be a non-negative integer of unix seconds, got ${timeStampS}`);
  }
}
