/**
 * What every ingest schema is built from: the protocol's code lists, the field
 * helpers, the capped free-form `data` object, the shared shapes and the three
 * builders (`inClassEvent`, `afterClassEvent`, `schoolEvent`).
 */
import { z } from 'zod';
import { CATALOGUE, type EventType } from '../catalogue.js';

/** Identity codes from PROTOCOL.md §1 (student … principal assistant). */
export const IDENTITIES = [1, 2, 3, 4, 193, 194] as const;
/** Exit `Reason` codes from PROTOCOL.md §1. */
export const EXIT_REASONS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 54, 56, 60, 101, 102, 111] as const;
/** Highest `Device` code (14 = web page) in PROTOCOL.md §1. */
export const MAX_DEVICE = 14;

/** Deepest nesting a free-form `data` object may have, the object itself counting as 1. */
const MAX_DATA_DEPTH = 8;
/** Largest free-form `data` object, in bytes of its JSON (UTF-8). */
export const MAX_DATA_BYTES = 64 * 1024;

/** Unix seconds beyond this (year 5138) are almost surely milliseconds sent by mistake. */
export const MAX_UNIX_S = 99_999_999_999;

/** Int32 bounds: ClassIn types many wire fields Int32 (camera Area, Times, durations, codes). */
const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
/**
 * A wire Int32: a fraction or a value beyond 32 bits is a 400 naming the field, never a push that
 * a strictly typed receiver (ClassIn's own SDKs, Go/Java structs) fails to decode.
 */
export const int32 = () =>
  z
    .int({ error: (issue) => (issue.code === 'invalid_type' ? 'must be an integer: ClassIn types this field Int32' : undefined) })
    .min(INT32_MIN, { error: `must fit in an Int32 (at least ${INT32_MIN})` })
    .max(INT32_MAX, { error: `must fit in an Int32 (at most ${INT32_MAX})` });

const positiveId = () => z.int().positive();
export const uid = () => positiveId().describe('ClassIn user id (positive integer)');
export const unixS = () =>
  z.int().nonnegative().max(MAX_UNIX_S, { error: 'must be unix seconds, not milliseconds' });
export const seconds = () => int32().nonnegative();
export const text = (maxLength: number) => z.string().max(maxLength);
export const url = () => z.url({ protocol: /^https?$/ }).max(2048);
export const telephone = () => text(64).describe('Phone number, possibly masked as ClassIn shows it');
export const nickname = () => text(256).describe('Display name');
// ClassIn publishes no type for these codes; numbers and strings both pass through.
export const code = () => z.union([z.int(), text(128)]);

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
export function jsonData(description: string, maxBytes: number | null = MAX_DATA_BYTES) {
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

/**
 * Ids classbell assigns (ev_<sid>_…, also a room's events) name their school, so look-ups by id go
 * straight to it; a client may not choose an id of that shape (another school's would mislead them).
 */
export const ASSIGNED_ID_PREFIX = /^ev_(\d+)_/;

const commonShape = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
      error: 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -',
    })
    .refine((id) => !ASSIGNED_ID_PREFIX.test(id), { error: 'ids starting ev_<digits>_ are reserved for the ids classbell assigns' })
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

/** The fields of every class-dimension type: it needs the class it happened in. */
export const classShape = {
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

/** Viewing detail fields, shared by the live page and the web replay. */
export const viewingShape = {
  telephone: telephone(),
  nickname: nickname(),
  inTime: unixS().describe('When the viewer came in, unix seconds (wire Intime)'),
  lookTime: seconds().describe('How long the viewer watched, seconds'),
  ip: text(64).describe("The viewer's IP address (wire IP)"),
  clientType: code().describe('Client type code, as ClassIn reports it'),
};

/** Builds the strict schema of one in-class type; strict so unknown fields are reported. */
export function inClassEvent<T extends EventType, S extends z.ZodRawShape>(
  type: T,
  fields: S,
  description: string,
) {
  return z
    .strictObject({ ...inClassShape, type: z.literal(type), ...fields })
    .describe(`${description} (wire Cmd ${String(CATALOGUE[type].cmd)})`);
}

/** An after-class type: tied to a class, but no one in the room "performed" it. */
export function afterClassEvent<T extends EventType, S extends z.ZodRawShape>(
  type: T,
  fields: S,
  description: string,
) {
  return z
    .strictObject({ ...classShape, type: z.literal(type), ...fields })
    .describe(`${description} (wire Cmd ${String(CATALOGUE[type].cmd)}, after class)`);
}

/** A school-level type: no `classId`/`courseId`; `uid` names the user concerned, if any. */
export function schoolEvent<T extends EventType>(type: T, description: string) {
  return z
    .strictObject({
      ...schoolShape,
      type: z.literal(type),
      uid: uid().optional(),
      data: jsonData(`The message's "Data", pushed unchanged`),
    })
    .describe(`${description} (wire Cmd ${String(CATALOGUE[type].cmd)}, school level)`);
}
