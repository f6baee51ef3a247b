/**
 * Ingest validation: the union of the per-type zod schemas (`event-schemas/`)
 * for events posted by classroom servers, and their normalisation into a
 * {@link ClassEvent} (id, sid, actionTime known).
 *
 * Field names are camelCase here; `wire.ts` maps them to ClassIn's names.
 * To accept another catalogue type, define its schema in `event-schemas/` with
 * one of the builders of `event-schemas/common.ts` (`inClassEvent`,
 * `afterClassEvent`, `schoolEvent`) and add it to `EVENT_SCHEMAS`; nothing
 * else here changes.
 */
import { z } from 'zod';
import { CATALOGUE, EVENT_TYPES, type EventType } from './catalogue.js';
import {
  chatHistorySchema,
  eduAnswersSchema,
  lessonSummaryEventSchema,
  ratingSchema,
  recordingFileSchema,
  recordingUploadedSchema,
  replayClientSchema,
  replayWebSchema,
} from './event-schemas/after-class.js';
import { MAX_UNIX_S } from './event-schemas/common.js';
import { deviceCheckSchema, networkSampleSchema, networkSchema } from './event-schemas/diagnostics.js';
import {
  authorizeSchema,
  blackboardImageSchema,
  chatPictureSchema,
  classExtendedSchema,
  enterSchema,
  exitSchema,
  handsUpSchema,
  helpSchema,
  kickOutSchema,
  muteAllSchema,
  muteSchema,
  recordingStartedSchema,
  rewardSchema,
  stageSchema,
} from './event-schemas/in-class.js';
import {
  liveGoodsClickSchema,
  liveLikeSchema,
  liveLoginSchema,
  liveReserveSchema,
  liveViewSchema,
} from './event-schemas/live.js';
import {
  accountClosedSchema,
  deviceCheckOutsideSchema,
  fileConvertedSchema,
  phoneChangedSchema,
  subAccountSetSchema,
} from './event-schemas/school.js';
import { cameraPositionSchema, responderSchema, selectorSchema } from './event-schemas/tools.js';

export { MAX_DATA_BYTES } from './event-schemas/common.js';
export { lessonSummaryEventSchema };

/** Largest batch `POST /v1/events` accepts (API.md "Events (ingest)"). */
const MAX_BATCH_EVENTS = 500;

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
  file_converted: fileConvertedSchema,
  device_check_outside: deviceCheckOutsideSchema,
  account_closed: accountClosedSchema,
  phone_changed: phoneChangedSchema,
  sub_account_set: subAccountSetSchema,
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
const ingestBatchSchema = z
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
  // Object.assign and assignments rather than `{ ...input, id, … }`: Node 20's V8 copies a spread
  // followed by more properties on a slow path, about 25 times slower (this runs per ingested event).
  const event = Object.assign({}, input) as ClassEvent & { schedule?: ClassSchedule };
  event.id = input.id ?? ctx.id;
  event.sid = input.sid ?? ctx.sid;
  event.actionTime = input.actionTime ?? ctx.nowS;
  if (ctx.schedule === undefined || !('classId' in event)) return event;
  assertSchedule(ctx.schedule);
  // A copy, so the stored event never shares the caller's object.
  event.schedule = { startTime: ctx.schedule.startTime, closeTime: ctx.schedule.closeTime };
  return event;
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

function isUnixSeconds(t: number): boolean {
  return Number.isSafeInteger(t) && t >= 0 && t <= MAX_UNIX_S;
}

function assertSchedule(schedule: ClassSchedule): void {
  const { startTime, closeTime } = schedule;
  if (!isUnixSeconds(startTime) || !isUnixSeconds(closeTime) || closeTime < startTime) {
    throw new RangeError(
      `schedule must be unix seconds with closeTime >= startTime, got ${startTime}..${closeTime}`,
    );
  }
}
