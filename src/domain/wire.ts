/**
 * The ClassIn wire mapping (PROTOCOL.md §1): a {@link SystemEvent} becomes the
 * JSON body a school receives. Key order is fixed (`SID, Cmd, ClassID?,
 * CourseID?, StartTime?, CloseTime?, ActionTime, SourceUID?, …type fields…, _id`)
 * so the stored wire and every push of it are byte-identical apart from
 * TimeStamp and SafeKey. To map another type, add its row to `FIELD_MAPPERS`.
 */
import { CATALOGUE } from './catalogue.js';
import type { ClassEventOf, SystemEvent, SystemEventOf } from './events.js';
import { aggregateNetwork } from './network-report.js';

/**
 * ClassIn's fixed overtime after a lesson's scheduled close, seconds: a wire
 * `CloseTime` is the scheduled close plus this (PROTOCOL.md §1 "Common fields").
 */
export const CLASS_OVERTIME_S = 1200;

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
type Mapper<T extends SystemEvent['type']> = (event: SystemEventOf<T>) => Fields;

/** Drops absent optionals (never sent as null or ""), keeping the key order given. */
function defined(fields: Record<string, WireValue | undefined>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

// Free-form data was checked to be a JSON object at ingest (or built by classbell).
const json = (data: Record<string, unknown>) => data as WireValue;

/** The type-specific wire fields of each type, in ClassIn's names; one row per type. */
const FIELD_MAPPERS: { [T in SystemEvent['type']]: Mapper<T> } = {
  // "hands up" + UID / "award" + UID: ClassIn's Color string, no separator.
  hands_up: (e) => ({ Color: `hands up${e.uid}`, UID: e.uid, Handsup: e.up }),
  reward: (e) => ({ Color: `award${e.uid}`, UID: e.uid, Times: e.times }),
  camera_position: (e) => ({
    Color: `webcamPosition${e.uid}`,
    UID: e.uid,
    Area: { X1: e.area.x1, Y1: e.area.y1, X2: e.area.x2, Y2: e.area.y2 },
    OnTop: e.onTop ? 1 : 0,
    Channel: e.channel,
  }),
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
  selector: (e) => ({
    ...answerToolHead('standaloneSelectorTool', e),
    ...defined({
      QSentTime: e.qSentTime,
      CurState: e.curState,
      QCollectTime: e.qCollectTime,
      CorrectItems: e.correctItems,
      Commited: e.commited,
      SelectedItem: e.selectedItem,
      AllItems: e.allItems,
      Participants: participantsWire(e.participants),
      RecvQuestionTime: e.recvQuestionTime,
      LastCommitTime: e.lastCommitTime,
    }),
  }),
  responder: (e) => ({
    ...answerToolHead('standaloneResponderTool', e),
    ...defined({
      CurState: e.curState,
      nId: e.nId,
      FastestGuyTime: e.fastestGuyTime,
      FastestGuyName: e.fastestGuyName,
      EndTime: e.endTime,
      Participants: participantsWire(e.participants),
    }),
  }),
  network: (e) => ({ ...defined({ UID: e.uid }), Data: json(e.data) }),
  network_sample: networkSampleFields,
  device_check: (e) => ({ Data: json(e.data) }),
  help: (e) => ({ Data: { UID: e.uid, Message: e.message, UserList: e.userList } }),
  // Carries its own StartTime, so the schedule decoration skips it.
  class_extended: (e) => ({
    StartTime: e.startTime,
    PrelectTimeLength: e.lengthS,
    CloseClassDelay: e.closeDelayS,
  }),
  recording_started: (e) => ({ Data: json(e.data) }),
  blackboard_image: (e) => ({ Url: e.url, GroupId: e.groupId }),
  live_login: (e) => ({
    Data: { Telephone: e.telephone, LoginTime: e.loginTime, Nickname: e.nickname },
  }),
  live_reserve: (e) => ({ Data: { Telephone: e.telephone, ReserveTime: e.reserveTime } }),
  live_view: (e) => ({ Data: viewingData(e) }),
  live_like: (e) => ({ Data: { Telephone: e.telephone, Time: e.time } }),
  live_goods_click: (e) => ({
    Data: {
      Telephone: e.telephone,
      Nickname: e.nickname,
      Time: e.time,
      GoodNum: e.goodNum,
      GoodName: e.goodName,
    },
  }),
  chat_picture: (e) => ({ Data: { UID: e.uid, Url: e.url, Time: e.time } }),
  lesson_summary: (e) => ({
    StartTime: e.startTime,
    CloseTime: e.closeTime,
    ...defined({ RealCloseTime: e.realCloseTime }),
    Data: json(e.data),
  }),
  rating: (e) => ({ TUID: e.tuid, Comments: commentsWire(e.comments) }),
  recording_file: (e) => ({
    VUrl: e.vUrl,
    VST: e.vst,
    VET: e.vet,
    Duration: e.duration,
    FileId: e.fileId,
    Size: e.size,
    ...defined({ CIDExt: e.cidExt }),
  }),
  recording_uploaded: (e) => ({ VUrl: e.vUrl, Duration: e.duration, FileId: e.fileId, Size: e.size }),
  edu_answers: (e) => ({ Data: json(e.data) }),
  replay_web: (e) => ({ Data: viewingData(e) }),
  replay_client: (e) => ({
    Data: {
      UID: e.uid,
      TotalDuration: e.totalDuration,
      ValidWatchCount: e.validWatchCount,
      // "Vaild" is ClassIn's spelling; receivers match on it.
      TotalLookVaildTime: e.totalLookValidTime,
      ...defined({
        LatestDetails: e.latestDetails && { TriggerType: e.latestDetails.triggerType },
      }),
    },
  }),
  // PROTOCOL.md calls the chat's time TimeStamp, but each push appends its own signing
  // TimeStamp after _id: a second "TimeStamp" key would be ambiguous, so it is ChatTime.
  chat_history: (e) => ({ Url: e.url, ChatTime: e.timeStamp }),
  file_converted: schoolFields,
  device_check_outside: schoolFields,
  account_closed: schoolFields,
  phone_changed: schoolFields,
  sub_account_set: schoolFields,
};

/** The types `toWire` can map, posted or computed (the keys of its mapper table). */
export const WIRE_TYPES: readonly SystemEvent['type'][] = Object.freeze(
  Object.keys(FIELD_MAPPERS) as SystemEvent['type'][],
);

function enterFields(e: ClassEventOf<'enter'>): Fields {
  return {
    UID: e.uid,
    NickName: e.nickName,
    Identity: e.identity,
    Device: e.device,
    ClientID: e.clientId ?? 0,
    ...defined({
      LoginMobile: e.loginMobile,
      LoginEmail: e.loginEmail,
      AllowEnterTime: e.allowEnterTime,
    }),
  };
}

/** Selector/responder: "<tool>globalData" for the question, "<tool>" + UID for an answer. */
function answerToolHead(tool: string, e: { phase: 'question' | 'answer'; uid?: number | undefined }): Fields {
  if (e.phase === 'answer' && e.uid !== undefined) return { Color: `${tool}${e.uid}`, UID: e.uid };
  return { Color: `${tool}globalData` };
}

type Participant = { showName: string; uid: number; identity: number };

// "Uid" (not "UID") is how ClassIn spells it inside Participants.
function participantsWire(list: readonly Participant[] | undefined): WireValue | undefined {
  return list?.map((p) => ({ ShowName: p.showName, Uid: p.uid, Identity: p.identity }));
}

type Remark = { comment: string; score: number };
type CommentEntry = { account: string; t2s?: Remark | undefined; s2t?: Remark | undefined };

function commentsWire(comments: Record<string, CommentEntry>): Fields {
  const remark = (r: Remark | undefined) => r && { Comment: r.comment, Score: r.score };
  const out: Fields = {};
  for (const [uid, entry] of Object.entries(comments)) {
    out[uid] = { Account: entry.account, ...defined({ T2S: remark(entry.t2s), S2T: remark(entry.s2t) }) };
  }
  return out;
}

function viewingData(e: SystemEventOf<'live_view'> | SystemEventOf<'replay_web'>): Fields {
  return {
    Telephone: e.telephone,
    Nickname: e.nickname,
    Intime: e.inTime,
    LookTime: e.lookTime,
    IP: e.ip,
    ClientType: e.clientType,
  };
}

/**
 * A raw sample is never pushed alone (it is folded into the 5-minute "Net"); its
 * wire, shown by the event API, is the report this one sample would make.
 */
function networkSampleFields(e: SystemEventOf<'network_sample'>): Fields {
  const data = aggregateNetwork([e]).get(e.uid);
  return { UID: e.uid, Data: data ? { ...data } : {} };
}

function schoolFields(e: { uid?: number | undefined; data: Record<string, unknown> }): Fields {
  return { ...defined({ UID: e.uid }), Data: json(e.data) };
}

// Types whose own fields carry the lesson's StartTime: no schedule decoration.
const OWN_START_TIME: ReadonlySet<SystemEvent['type']> = new Set(['class_extended', 'lesson_summary']);

/**
 * The fields every message starts with. School-level types have no ClassID;
 * a class event with a known schedule gets StartTime and CloseTime (plus the
 * overtime); the lesson summary has no ActionTime, as in ClassIn's "End".
 */
function commonHead(event: SystemEvent): Fields {
  const head: Fields = { SID: event.sid, Cmd: CATALOGUE[event.type].cmd };
  if ('classId' in event) {
    head.ClassID = event.classId;
    if (event.courseId !== undefined) head.CourseID = event.courseId;
  }
  if ('schedule' in event && event.schedule !== undefined && !OWN_START_TIME.has(event.type)) {
    head.StartTime = event.schedule.startTime;
    head.CloseTime = event.schedule.closeTime + CLASS_OVERTIME_S;
  }
  if (event.type === 'lesson_summary') return head;
  head.ActionTime = event.actionTime;
  if ('sourceUid' in event && event.sourceUid !== undefined) head.SourceUID = event.sourceUid;
  return head;
}

/**
 * Maps an event (posted, or computed like the lesson summary) to its ClassIn
 * body, without `TimeStamp`/`SafeKey`. Pure and deterministic: the same event
 * always yields the same key order.
 */
export function toWire(event: SystemEvent): WireBody {
  // The cast pairs each event with its own mapper; TS cannot correlate the two unions.
  const mapFields = FIELD_MAPPERS[event.type] as (e: SystemEvent) => Fields;
  // Object.assign rather than `{ ...head, ...fields, _id }` (same keys, same order): Node 20's V8
  // copies two spreads on a slow path, about 20 times slower, and this runs for every push.
  const wire = Object.assign(commonHead(event), mapFields(event));
  wire._id = event.id;
  return wire;
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
