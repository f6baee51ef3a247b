/**
 * Ingest validation: the zod schemas for events posted by classroom servers,
 * and their normalisation into a {@link ClassEvent} (id, sid, actionTime known).
 *
 * Field names are camelCase here; `wire.ts` maps them to ClassIn's names.
 * To accept another catalogue type, define its schema with one of the builders
 * below (`inClassEvent`, `afterClassEvent`, `schoolEvent`) and add it to
 * `EVENT_SCHEMAS`; nothing else here changes.
 */
import { z } from 'zod';
import { CATALOGUE, EVENT_TYPES, type EventType } from './catalogue.js';

/** Largest batch `POST /v1/events` accepts (API.md "Events (ingest)"). */
export const MAX_BATCH_EVENTS = 500;

/** Identity codes from PROTOCOL.md §1 (student … principal assistant). */
export const IDENTITIES = [1, 2, 3, 4, 193, 194] as const;
/** Exit `Reason` codes from PROTOCOL.md §1. */
export const EXIT_REASONS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 54, 56, 60, 101, 102, 111] as const;
/** Highest `Device` code (14 = web page) in PROTOCOL.md §1. */
export const MAX_DEVICE = 14;

/** Deepest nesting a free-form `data` object may have, the object itself counting as 1. */
export const MAX_DATA_DEPTH = 8;
/** Largest free-form `data` object, in bytes of its JSON (UTF-8). */
export const MAX_DATA_BYTES = 64 * 1024;

// Unix seconds beyond this (year 5138) are almost surely milliseconds sent by mistake.
const MAX_UNIX_S = 99_999_999_999;

const positiveId = () => z.int().positive();
const uid = () => positiveId().describe('ClassIn user id (positive integer)');
const unixS = () =>
  z.int().nonnegative().max(MAX_UNIX_S, { error: 'must be unix seconds, not milliseconds' });
const seconds = () => z.int().nonnegative();
const text = (maxLength: number) => z.string().max(maxLength);
const url = () => z.url({ protocol: /^https?$/ }).max(2048);
const telephone = () => text(64).describe('Phone number, possibly masked as ClassIn shows it');
const nickname = () => text(256).describe('Display name');
// ClassIn publishes no type for these codes; numbers and strings both pass through.
const code = () => z.union([z.int(), text(128)]);

/** True when `value` holds objects/arrays nested deeper than `levels`. */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => nestsDeeper(child, levels - 1));
}

/**
 * A free-form JSON object, pushed unchanged as the wire `Data`. Capped in depth
 * and size so one event cannot bloat a school's queue; `maxBytes` may be lifted
 * for computed data. (zod drops a top-level `__proto__` key; nested ones pass.)
 */
function jsonData(description: string, maxBytes: number | null = MAX_DATA_BYTES) {
  return z
    .record(z.string(), z.unknown())
    .superRefine((data, ctx) => {
      if (nestsDeeper(data, MAX_DATA_DEPTH)) {
        ctx.addIssue({ code: 'custom', message: `must not nest deeper than ${MAX_DATA_DEPTH} levels` });
        return;
      }
      if (maxBytes === null) return;
      const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
      if (bytes > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes of JSON, got ${bytes}` });
      }
    })
    .describe(description);
}

const commonShape = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
      error: 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -',
    })
    .optional()
    .describe('Idempotency key; an id already accepted from this app is reported as a duplicate'),
  sid: positiveId()
    .optional()
    .describe('School id; may be omitted when the app serves exactly one school'),
  courseId: positiveId().optional().describe('ClassIn course id'),
  actionTime: z
    .int()
    .positive()
    .max(MAX_UNIX_S, { error: 'must be unix seconds, not milliseconds' })
    .optional()
    .describe('When the action happened, unix seconds; defaults to the time of acceptance'),
};

// Class-dimension types need the class they happened in.
const classShape = {
  ...commonShape,
  classId: positiveId().describe('ClassIn class (lesson) id'),
};

const inClassShape = {
  ...classShape,
  sourceUid: z
    .int()
    .nonnegative()
    .optional()
    .describe('Who performed the action; 0 = the classroom service itself'),
};

// School-level types belong to no class, hence to no course either.
const { courseId: _courseId, ...schoolShape } = commonShape;

/** Builds the strict schema of one in-class type; strict so unknown fields are reported. */
function inClassEvent<T extends EventType, S extends z.ZodRawShape>(
  type: T,
  fields: S,
  description: string,
) {
  return z
    .strictObject({ ...inClassShape, type: z.literal(type), ...fields })
    .describe(`${description} (wire Cmd ${String(CATALOGUE[type].cmd)})`);
}

/** An after-class type: tied to a class, but no one in the room "performed" it. */
function afterClassEvent<T extends EventType, S extends z.ZodRawShape>(
  type: T,
  fields: S,
  description: string,
) {
  return z
    .strictObject({ ...classShape, type: z.literal(type), ...fields })
    .describe(`${description} (wire Cmd ${String(CATALOGUE[type].cmd)}, after class)`);
}

/** A school-level type: no `classId`/`courseId`; `uid` names the user concerned, if any. */
function schoolEvent<T extends EventType>(type: T, description: string) {
  return z
    .strictObject({
      ...schoolShape,
      type: z.literal(type),
      uid: uid().optional(),
      data: jsonData(`The message's "Data", pushed unchanged`),
    })
    .describe(`${description} (wire Cmd ${String(CATALOGUE[type].cmd)}, school level)`);
}

const handsUpSchema = inClassEvent(
  'hands_up',
  { uid: uid(), up: z.boolean().describe('true = hand raised, false = put down') },
  'A student raises or lowers a hand',
);

const rewardSchema = inClassEvent(
  'reward',
  {
    uid: uid(),
    times: z
      .int()
      .min(1)
      .describe("The student's running total of rewards in this class, this one included"),
  },
  'A student is rewarded',
);

const cameraPositionSchema = inClassEvent(
  'camera_position',
  {
    uid: uid(),
    area: z
      .strictObject({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() })
      .describe('The video window: corners (x1, y1) and (x2, y2)'),
    onTop: z.boolean().describe('true = the window is on top (wire OnTop 1)'),
    channel: z.literal([0, 1]).describe('0 main camera, 1 secondary camera'),
  },
  "A user's camera window is moved",
);

const authorizeSchema = inClassEvent(
  'authorize',
  {
    targetUid: uid(),
    granted: z.boolean().describe('true = drawing/board authorisation granted, false = revoked'),
  },
  'A user is granted or denied authorisation',
);

const enterSchema = inClassEvent(
  'enter',
  {
    uid: uid(),
    nickName: z.string().min(1).max(256).describe('Display name in the classroom'),
    identity: z
      .literal(IDENTITIES)
      .describe('1 student, 2 auditor, 3 teacher, 4 co-teacher, 193 principal, 194 principal assistant'),
    device: z
      .int()
      .min(0)
      .max(MAX_DEVICE)
      .describe('Device code 0..14 (0 PC, 1 iPhone, … 14 web page)'),
    clientId: z.literal([0, 1]).optional().describe('0 first device (default), 1 second device'),
    loginMobile: z.string().max(64).optional().describe('Mobile number the user logged in with'),
    loginEmail: z.string().max(254).optional().describe('E-mail address the user logged in with'),
    allowEnterTime: z
      .int()
      .nonnegative()
      .max(MAX_UNIX_S)
      .optional()
      .describe('From when the user may enter, unix seconds'),
  },
  'A user enters the classroom',
);

const exitSchema = inClassEvent(
  'exit',
  {
    uid: uid(),
    identity: z.literal(IDENTITIES).describe('Identity code, as on enter'),
    reason: z.literal(EXIT_REASONS).describe('Exit reason code (PROTOCOL.md §1)'),
    clientId: z.literal([0, 1]).optional().describe('0 first device (default), 1 second device'),
  },
  'A user leaves the classroom',
);

const kickOutSchema = inClassEvent(
  'kick_out',
  {
    targetUid: uid(),
    durationS: z.int().nonnegative().describe('How long the user is kept out, seconds'),
  },
  'A user is kicked out of the classroom',
);

const muteSchema = inClassEvent(
  'mute',
  { targetUid: uid(), muted: z.boolean().describe('true = muted, false = unmuted') },
  'One user is muted or unmuted',
);

const muteAllSchema = inClassEvent(
  'mute_all',
  { muted: z.boolean().describe('true = everyone muted, false = unmuted') },
  'The whole classroom is muted or unmuted',
);

const stageSchema = inClassEvent(
  'stage',
  { uid: uid(), up: z.boolean().describe('true = up on stage, false = down') },
  'A user goes up on or down from the stage',
);

const participants = () =>
  z
    .array(
      z.strictObject({
        showName: nickname(),
        uid: uid(),
        identity: z.literal(IDENTITIES).describe('Identity code, as on enter'),
      }),
    )
    .max(5000)
    .describe('Who takes part (wire Participants[{ShowName, Uid, Identity}])');

const phase = () =>
  z
    .enum(['question', 'answer'])
    .describe('"question" = the tool\'s global state (no uid); "answer" = one user\'s answer (uid required)');

/**
 * The answer tools' rule: an answer names its user (the wire Color ends in the
 * UID), a question does not. Checked even when other fields are wrong, so one
 * 400 lists every problem.
 */
function requireUidForAnswers<S extends z.ZodObject<{ phase: z.ZodEnum; uid: z.ZodOptional }>>(
  schema: S,
) {
  const when = (payload: z.core.ParsePayload) =>
    !payload.issues.some((issue) => issue.path?.[0] === 'phase' || issue.path?.[0] === 'uid');
  const fields = (value: unknown) => value as { phase: string; uid?: number };
  return schema
    .refine((value) => fields(value).phase !== 'answer' || fields(value).uid !== undefined, {
      path: ['uid'],
      message: 'required when phase is "answer"',
      when,
    })
    .refine((value) => fields(value).phase !== 'question' || fields(value).uid === undefined, {
      path: ['uid'],
      message: 'only an answer (phase "answer") carries a uid',
      when,
    });
}

const selectorSchema = requireUidForAnswers(
  inClassEvent(
    'selector',
    {
      phase: phase(),
      uid: uid().optional(),
      qSentTime: unixS().optional().describe('When the question was sent, unix seconds'),
      curState: z.int().optional().describe("The tool's state code, as ClassIn reports it"),
      qCollectTime: unixS().optional().describe('When answers were collected, unix seconds'),
      correctItems: text(1024).optional().describe('The correct options, e.g. "A,C"'),
      commited: z.boolean().optional().describe('Whether the answer was committed (ClassIn spelling)'),
      selectedItem: text(1024).optional().describe('The options this user selected'),
      allItems: text(1024).optional().describe('Every option offered, e.g. "A,B,C,D"'),
      participants: participants().optional(),
      recvQuestionTime: unixS().optional().describe('When this user received the question, unix seconds'),
      lastCommitTime: unixS().optional().describe("This user's last commit, unix seconds"),
    },
    'The selector (answer tool): a question sent, or one answer',
  ),
);

const responderSchema = requireUidForAnswers(
  inClassEvent(
    'responder',
    {
      phase: phase(),
      uid: uid().optional(),
      curState: z.int().optional().describe("The tool's state code, as ClassIn reports it"),
      nId: z.int().optional().describe('The responder round id (wire nId)'),
      fastestGuyTime: unixS().optional().describe('When the fastest user answered, unix seconds'),
      fastestGuyName: nickname().optional(),
      endTime: unixS().optional().describe('When the round ended, unix seconds'),
      participants: participants().optional(),
    },
    'The responder (first to answer): the round, or one answer',
  ),
);

const networkSchema = inClassEvent(
  'network',
  {
    uid: uid().optional(),
    data: jsonData('An already summarised 5-minute report (localIP, socket, good, …), pushed unchanged as "Data"'),
  },
  'A network report, already summarised',
);

// Exactly these fields: network-report.ts folds them into the 5-minute "Net" message.
const networkSampleSchema = inClassEvent(
  'network_sample',
  {
    uid: uid(),
    rttMs: z.number().min(0).max(60_000).describe('Round-trip time, milliseconds'),
    lossPct: z.number().min(0).max(100).describe('Packet loss, percent'),
    quality: z.enum(['good', 'normal', 'bad', 'poor', 'not_reach']).describe('Network quality'),
    cpuLevel: z.enum(['low', 'medium', 'high', 'busy']).describe('CPU load level'),
    socket: z.enum(['udp', 'tcp']).optional().describe('Transport in use'),
    localIp: text(64).optional().describe("The client's local IP address"),
  },
  'One raw network measurement, aggregated into the 5-minute "Net" report',
);

const deviceCheckSchema = inClassEvent(
  'device_check',
  { data: jsonData('The check result (OperatingSystem, CPU, NetworkDelay, …), pushed unchanged as "Data"') },
  'A device check in class',
);

const helpSchema = inClassEvent(
  'help',
  {
    uid: uid().describe('Who asks for help'),
    message: text(2000).describe('The request'),
    userList: z.array(uid()).max(5000).describe('The users the request is sent to'),
  },
  'A help request',
);

const classExtendedSchema = inClassEvent(
  'class_extended',
  {
    startTime: unixS().describe('Lesson start, unix seconds'),
    lengthS: z.int().positive().describe('The new lesson length, seconds (wire PrelectTimeLength)'),
    closeDelayS: seconds().describe('How long closing is delayed, seconds (wire CloseClassDelay)'),
  },
  'The lesson is extended (possible only 8 to 3 minutes before its end)',
);

const recordingStartedSchema = inClassEvent(
  'recording_started',
  { data: jsonData('The recording settings, pushed unchanged as "Data"') },
  'Recording (or live streaming) starts',
);

const blackboardImageSchema = inClassEvent(
  'blackboard_image',
  {
    url: url().describe('Where the image is'),
    groupId: seconds().default(0).describe('Group room id; 0 (default) = the main room'),
  },
  'A blackboard image is saved',
);

const liveLoginSchema = inClassEvent(
  'live_login',
  {
    telephone: telephone(),
    loginTime: unixS().describe('When the viewer logged in, unix seconds'),
    nickname: nickname(),
  },
  'A viewer logs in to the live page',
);

const liveReserveSchema = inClassEvent(
  'live_reserve',
  { telephone: telephone(), reserveTime: unixS().describe('When the viewer reserved, unix seconds') },
  'A viewer reserves the live broadcast',
);

/** Viewing detail fields, shared by the live page and the web replay. */
const viewingShape = {
  telephone: telephone(),
  nickname: nickname(),
  inTime: unixS().describe('When the viewer came in, unix seconds (wire Intime)'),
  lookTime: seconds().describe('How long the viewer watched, seconds'),
  ip: text(64).describe("The viewer's IP address (wire IP)"),
  clientType: code().describe('Client type code, as ClassIn reports it'),
};

const liveViewSchema = inClassEvent('live_view', viewingShape, 'A live viewing detail');

const liveLikeSchema = inClassEvent(
  'live_like',
  { telephone: telephone(), time: unixS().describe('When, unix seconds') },
  'A viewer likes the live broadcast',
);

const liveGoodsClickSchema = inClassEvent(
  'live_goods_click',
  {
    telephone: telephone(),
    nickname: nickname(),
    time: unixS().describe('When, unix seconds'),
    goodNum: code().describe('The product number'),
    goodName: text(512).describe('The product name'),
  },
  'A viewer clicks a product on the live page',
);

const chatPictureSchema = inClassEvent(
  'chat_picture',
  { uid: uid(), url: url().describe('Where the picture is'), time: unixS().describe('When sent, unix seconds') },
  'A picture is sent in the class chat',
);

const remark = () =>
  z.strictObject({
    comment: text(4000).describe('The comment'),
    score: z.number().min(0).max(100).describe('The score given'),
  });

const ratingSchema = afterClassEvent(
  'rating',
  {
    tuid: uid().describe("The teacher's uid (wire TUID)"),
    comments: z
      .record(
        z.string().regex(/^[1-9]\d{0,17}$/),
        z
          .strictObject({
            account: text(256).describe("The user's ClassIn account"),
            t2s: remark().optional().describe("The teacher's comment on the student (wire T2S)"),
            s2t: remark().optional().describe("The student's comment on the teacher (wire S2T)"),
          })
          .refine((entry) => entry.t2s !== undefined || entry.s2t !== undefined, {
            message: 'needs t2s or s2t',
          }),
        { error: (issue) => (issue.code === 'invalid_key' ? 'keys must be uids (digits)' : undefined) },
      )
      .describe('By uid: the account and its comment(s)'),
  },
  'Ratings and comments of a lesson',
);

const recordingFileSchema = afterClassEvent(
  'recording_file',
  {
    vUrl: url().describe('Where the video is (wire VUrl)'),
    vst: unixS().describe('Video start, unix seconds (wire VST)'),
    vet: unixS().describe('Video end, unix seconds (wire VET)'),
    duration: seconds().describe('Seconds'),
    fileId: z.int().nonnegative().describe('ClassIn file id'),
    size: z.int().nonnegative().describe('Bytes'),
    cidExt: text(256).optional().describe('Class id extension (wire CIDExt)'),
  },
  'A recording file is ready',
);

const recordingUploadedSchema = afterClassEvent(
  'recording_uploaded',
  {
    vUrl: url().describe('Where the video is (wire VUrl)'),
    duration: seconds().describe('Seconds'),
    fileId: z.int().nonnegative().describe('ClassIn file id'),
    size: z.int().nonnegative().describe('Bytes'),
  },
  'A recording is uploaded',
);

const eduAnswersSchema = afterClassEvent(
  'edu_answers',
  { data: jsonData('The answers (type, startTime, endTime, questionList[…]), pushed unchanged as "Data"') },
  "A lesson's EDU answers",
);

const replayWebSchema = afterClassEvent('replay_web', viewingShape, 'A web replay viewing detail');

const replayClientSchema = afterClassEvent(
  'replay_client',
  {
    uid: uid(),
    totalDuration: seconds().describe('Seconds of replay watched in all'),
    validWatchCount: z.int().nonnegative().describe('How many valid viewings'),
    totalLookValidTime: seconds().describe('Valid seconds watched (wire TotalLookVaildTime, ClassIn spelling)'),
    latestDetails: z
      .strictObject({ triggerType: code().describe('What ended the latest viewing') })
      .optional()
      .describe('The latest viewing (wire LatestDetails)'),
  },
  'A client replay viewing detail',
);

// PROTOCOL.md names the chat's time "TimeStamp", but every push appends its own
// signing TimeStamp; two equal keys would be ambiguous JSON, so it travels as ChatTime.
const chatHistorySchema = afterClassEvent(
  'chat_history',
  {
    url: url().describe('Where the zip of the chat is'),
    timeStamp: unixS().describe(
      "The chat's time, unix seconds; pushed as ChatTime since TimeStamp is the push's signing time",
    ),
  },
  "A lesson's chat history",
);

// The accepted types, keyed by type in catalogue order; a postable catalogue
// type missing here is refused at ingest (and fails catalogue.test.ts).
const EVENT_SCHEMAS = {
  hands_up: handsUpSchema,
  reward: rewardSchema,
  camera_position: cameraPositionSchema,
  authorize: authorizeSchema,
  enter: enterSchema,
  exit: exitSchema,
  kick_out: kickOutSchema,
  mute: muteSchema,
  mute_all: muteAllSchema,
  stage: stageSchema,
  selector: selectorSchema,
  responder: responderSchema,
  network: networkSchema,
  network_sample: networkSampleSchema,
  device_check: deviceCheckSchema,
  help: helpSchema,
  class_extended: classExtendedSchema,
  recording_started: recordingStartedSchema,
  blackboard_image: blackboardImageSchema,
  live_login: liveLoginSchema,
  live_reserve: liveReserveSchema,
  live_view: liveViewSchema,
  live_like: liveLikeSchema,
  live_goods_click: liveGoodsClickSchema,
  chat_picture: chatPictureSchema,
  rating: ratingSchema,
  recording_file: recordingFileSchema,
  recording_uploaded: recordingUploadedSchema,
  edu_answers: eduAnswersSchema,
  replay_web: replayWebSchema,
  replay_client: replayClientSchema,
  chat_history: chatHistorySchema,
  file_converted: schoolEvent('file_converted', 'A file conversion result'),
  device_check_outside: schoolEvent('device_check_outside', 'A device check outside the classroom'),
  account_closed: schoolEvent('account_closed', 'An account is closed'),
  phone_changed: schoolEvent('phone_changed', "A user's phone number changes"),
  sub_account_set: schoolEvent('sub_account_set', 'A sub-account is set'),
} as const;

type EventSchema = (typeof EVENT_SCHEMAS)[keyof typeof EVENT_SCHEMAS];

/** The schema of each postable type, by type (to look one up, or to list them). */
export const EVENT_INPUT_SCHEMAS: Readonly<Partial<Record<EventType, EventSchema>>> =
  Object.freeze(EVENT_SCHEMAS);

/** The catalogue types `POST /v1/events` accepts, in catalogue order. */
export const ACCEPTED_EVENT_TYPES: readonly EventType[] = Object.freeze(
  Object.values(EVENT_SCHEMAS).map((schema) => schema.shape.type.value),
);

/** Explains a bad `type`, naming the valid ones, so the 400 tells the caller what to send. */
function typeErrorMessage(input: unknown): string {
  const valid = `valid types: ${ACCEPTED_EVENT_TYPES.join(', ')}`;
  const type =
    typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  if (type === undefined) return `type is required; ${valid}`;
  if (typeof type !== 'string' || !EVENT_TYPES.includes(type as EventType)) {
    return `unknown type ${JSON.stringify(type)}; ${valid}`;
  }
  if (!CATALOGUE[type as EventType].postable) {
    return `type "${type}" is computed by classbell and cannot be posted; ${valid}`;
  }
  return `type "${type}" cannot be posted yet; ${valid}`;
}

/** One posted event, validated by its `type`. */
export const eventInputSchema = z
  .discriminatedUnion('type', Object.values(EVENT_SCHEMAS) as [EventSchema, ...EventSchema[]], {
    error: (issue) =>
      issue.code === 'invalid_union' ? typeErrorMessage(issue.input) : undefined,
  })
  .describe('One classroom event; `type` selects its fields');

/** A posted event as validated (camelCase, optional fields possibly absent). */
export type EventInput = z.infer<typeof eventInputSchema>;

/** The batch form of the ingest body. */
export const ingestBatchSchema = z
  .strictObject({
    events: z
      .array(eventInputSchema)
      .min(1, { error: 'must hold at least one event' })
      .max(MAX_BATCH_EVENTS, { error: `must hold at most ${MAX_BATCH_EVENTS} events` })
      .describe(`1 to ${MAX_BATCH_EVENTS} events, stored all or nothing`),
  })
  .describe('A batch of events');

/**
 * The `POST /v1/events` body: one event, or `{events: [...]}`. Use
 * {@link parseIngestBody} to validate, which reports precise paths; a plain
 * union reports a failing body as one opaque "invalid union" issue.
 */
export const ingestBodySchema = z
  .union([eventInputSchema, ingestBatchSchema])
  .describe(`One event, or {"events": [...]} of at most ${MAX_BATCH_EVENTS}`);

/** The parsed ingest body. */
export type IngestBody = z.infer<typeof ingestBodySchema>;

/** One validation problem, ready for a 400's `details`. */
export interface Problem {
  /** Where, e.g. `events[3].uid`; `''` for the body itself. */
  readonly path: string;
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Formats a zod path as `events[3].uid` (odd keys as `["a b"]`). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Turns zod issues into problems, one per field: an unknown-fields issue
 * becomes one problem per unknown field, at that field's path.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: 'unknown field',
      }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

/** Result of {@link parseIngestBody}. */
export type IngestParseResult =
  | { readonly success: true; readonly events: EventInput[]; readonly batch: boolean }
  | { readonly success: false; readonly problems: Problem[] };

/**
 * Validates a `POST /v1/events` body. A body with an `events` key is a batch,
 * anything else a single event; choosing first lets every problem carry its
 * exact path (`events[3].uid`) instead of a union's summary.
 */
export function parseIngestBody(body: unknown): IngestParseResult {
  const isBatch =
    typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
  if (isBatch) {
    const parsed = ingestBatchSchema.safeParse(body);
    return parsed.success
      ? { success: true, events: parsed.data.events, batch: true }
      : { success: false, problems: describeIssues(parsed.error.issues) };
  }
  const parsed = eventInputSchema.safeParse(body);
  return parsed.success
    ? { success: true, events: [parsed.data], batch: false }
    : { success: false, problems: describeIssues(parsed.error.issues) };
}

/**
 * The lesson summary ("End"): computed by classbell from a class's in-class
 * events, never posted (it is not part of {@link eventInputSchema}, so posting
 * it is a 400 saying so). lesson-summary.ts builds it; this schema checks it.
 */
export const lessonSummaryEventSchema = z
  .strictObject({
    ...classShape,
    type: z.literal('lesson_summary'),
    startTime: unixS().describe('Lesson start, unix seconds'),
    closeTime: unixS().describe(
      'Lesson close, unix seconds, INCLUDING the 20-minute overtime (CLASS_OVERTIME_S), as the wire CloseTime',
    ),
    realCloseTime: unixS().optional().describe('When the class was actually closed early, unix seconds'),
    // Computed, not posted: large classes may exceed the posted-data size cap.
    data: jsonData('stageEnd, handsupEnd, inoutEnd, awardEnd, muteEnd, kickoutEnd, authorizeEnd', null),
  })
  .describe('The lesson summary (wire Cmd "End", after class), computed by classbell');

/** A lesson summary as built, before {@link normalizeLessonSummary}. */
export type LessonSummaryInput = z.infer<typeof lessonSummaryEventSchema>;

/**
 * When a class is scheduled, from the course schedule (API.md "Classes"), unix
 * seconds. `closeTime` EXCLUDES the overtime; `toWire` adds it.
 */
export interface ClassSchedule {
  readonly startTime: number;
  readonly closeTime: number;
}

// Distributes over the union so `type` still narrows the normalised event;
// the mapped type flattens the intersection for readable hover types.
// Class-dimension events (those with a classId) may carry their schedule.
type Normalized<E> = E extends unknown
  ? Flatten<
      Omit<E, 'id' | 'sid' | 'actionTime'> &
        Filled &
        (E extends { classId: number } ? { schedule?: ClassSchedule } : unknown)
    >
  : never;
type Flatten<T> = { [K in keyof T]: T[K] };
interface Filled {
  id: string;
  sid: number;
  actionTime: number;
}

/**
 * An accepted event: the input with `id`, `sid` and `actionTime` always set.
 * School-level types have no `classId`/`courseId`/`sourceUid`: narrow on
 * `type`, or with `'classId' in event`, before reading them.
 */
export type ClassEvent = Normalized<EventInput>;

/** The accepted event of one type, e.g. `ClassEventOf<'enter'>`. */
export type ClassEventOf<T extends ClassEvent['type']> = Extract<ClassEvent, { type: T }>;

/** A lesson summary with `id`, `sid` and `actionTime` set, ready for `toWire`. */
export type LessonSummaryEvent = Flatten<Omit<LessonSummaryInput, 'id' | 'sid' | 'actionTime'> & Filled>;

/** Everything `toWire` maps: posted events and the ones classbell computes. */
export type SystemEvent = ClassEvent | LessonSummaryEvent;

/** The event of one type, posted or computed, e.g. `SystemEventOf<'lesson_summary'>`. */
export type SystemEventOf<T extends SystemEvent['type']> = Extract<SystemEvent, { type: T }>;

/** What {@link normalizeEvent} fills in when the input leaves it out. */
export interface NormalizeContext {
  /** The school to use when the event names none (the app's only school). */
  readonly sid: number;
  /** The id the service assigned, used when the event brings none. */
  readonly id: string;
  /** Acceptance time, unix seconds: the default `actionTime`. */
  readonly nowS: number;
  /**
   * The class's schedule, when known: attached to class-dimension events (school-level
   * ones ignore it) so their wire carries StartTime/CloseTime.
   */
  readonly schedule?: ClassSchedule;
}

/**
 * Completes a validated event: an id, a school and an action time are always
 * known after this, and a class-dimension event gets `ctx.schedule`, if any.
 * @throws RangeError when `ctx.schedule` is not two unix-second integers with closeTime ≥ startTime.
 */
export function normalizeEvent(input: EventInput, ctx: NormalizeContext): ClassEvent {
  const event = {
    ...input,
    id: input.id ?? ctx.id,
    sid: input.sid ?? ctx.sid,
    actionTime: input.actionTime ?? ctx.nowS,
  };
  if (ctx.schedule === undefined || !('classId' in event)) return event;
  assertSchedule(ctx.schedule);
  // A copy, so the stored event never shares the caller's object.
  return { ...event, schedule: { startTime: ctx.schedule.startTime, closeTime: ctx.schedule.closeTime } };
}

/** Completes a computed lesson summary like {@link normalizeEvent} does a posted event. */
export function normalizeLessonSummary(
  input: LessonSummaryInput,
  ctx: Omit<NormalizeContext, 'schedule'>,
): LessonSummaryEvent {
  return {
    ...input,
    id: input.id ?? ctx.id,
    sid: input.sid ?? ctx.sid,
    actionTime: input.actionTime ?? ctx.nowS,
  };
}

function assertSchedule(schedule: ClassSchedule): void {
  const { startTime, closeTime } = schedule;
  const valid = [startTime, closeTime].every((t) => Number.isSafeInteger(t) && t >= 0 && t <= MAX_UNIX_S);
  if (!valid || closeTime < startTime) {
    throw new RangeError(
      `schedule must be unix seconds with closeTime >= startTime, got ${startTime}..${closeTime}`,
    );
  }
}
