/**
 * Ingest validation: the zod schemas for events posted by classroom servers,
 * and their normalisation into a {@link ClassEvent} (id, sid, actionTime known).
 *
 * Field names are camelCase here; `wire.ts` maps them to ClassIn's names.
 * To accept another catalogue type, define its schema with the helper below
 * and append it to `EVENT_SCHEMAS`; nothing else here changes.
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

// Unix seconds beyond this (year 5138) are almost surely milliseconds sent by mistake.
const MAX_UNIX_S = 99_999_999_999;

const positiveId = () => z.int().positive();
const uid = () => positiveId().describe('ClassIn user id (positive integer)');

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

// Class-dimension types need the class they happened in; school-level types
// (added later) will spread `commonShape` without these.
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

// The accepted types. Catalogue types without a schema here are refused.
const EVENT_SCHEMAS = [
  handsUpSchema,
  rewardSchema,
  authorizeSchema,
  enterSchema,
  exitSchema,
  kickOutSchema,
  muteSchema,
  muteAllSchema,
  stageSchema,
] as const;

/** The catalogue types `POST /v1/events` currently accepts. */
export const ACCEPTED_EVENT_TYPES: readonly EventType[] = Object.freeze(
  EVENT_SCHEMAS.map((schema) => schema.shape.type.value),
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
  .discriminatedUnion('type', EVENT_SCHEMAS, {
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

// Distributes over the union so `type` still narrows the normalised event;
// the mapped type flattens the intersection for readable hover types.
type Normalized<E> = E extends unknown
  ? Flatten<Omit<E, 'id' | 'sid' | 'actionTime'> & Filled>
  : never;
type Flatten<T> = { [K in keyof T]: T[K] };
interface Filled {
  id: string;
  sid: number;
  actionTime: number;
}

/** An accepted event: the input with `id`, `sid` and `actionTime` always set. */
export type ClassEvent = Normalized<EventInput>;

/** The accepted event of one type, e.g. `ClassEventOf<'enter'>`. */
export type ClassEventOf<T extends ClassEvent['type']> = Extract<ClassEvent, { type: T }>;

/** What {@link normalizeEvent} fills in when the input leaves it out. */
export interface NormalizeContext {
  /** The school to use when the event names none (the app's only school). */
  readonly sid: number;
  /** The id the service assigned, used when the event brings none. */
  readonly id: string;
  /** Acceptance time, unix seconds: the default `actionTime`. */
  readonly nowS: number;
}

/** Completes a validated event: an id, a school and an action time are always known after this. */
export function normalizeEvent(input: EventInput, ctx: NormalizeContext): ClassEvent {
  return {
    ...input,
    id: input.id ?? ctx.id,
    sid: input.sid ?? ctx.sid,
    actionTime: input.actionTime ?? ctx.nowS,
  };
}
