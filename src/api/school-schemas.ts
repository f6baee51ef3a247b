import { z } from 'zod';
import { EVENT_TYPES, isEventType } from '../domain/catalogue.js';
import { sidSchema } from './apps.js';

const endpointUrlSchema = z
  .string()
  .max(2048)
  .refine((text) => URL.canParse(text), 'must be an absolute URL')
  .refine((text) => !URL.canParse(text) || ['http:', 'https:'].includes(new URL(text).protocol), 'only http and https endpoints')
  .refine((text) => !URL.canParse(text) || (!new URL(text).username && !new URL(text).password), 'credentials in the URL are not allowed')
  .describe('Where the school receives pushes');

const subscriptionsSchema = z
  .union([
    z.literal('*'),
    z.array(z.string().refine(isEventType, { message: `unknown type; valid types: ${EVENT_TYPES.join(', ')}` })).max(100),
  ])
  .describe('"*" or the event types to push');

const maxPushesPerSSchema = z.number().int().min(1).max(100_000).nullable()
  .describe('At most this many pushes to the endpoint in any one-second window, retries and test pushes included; null: unlimited');

export const createSchoolSchema = z.strictObject({
  sid: sidSchema.describe('ClassIn school id (SID)'),
  name: z.string().trim().min(1).max(200),
  endpointUrl: endpointUrlSchema,
  // Printable ASCII only: a Standard Webhooks library given the secret as a raw string key (npm
  // `standardwebhooks`, format "raw") takes one byte per UTF-16 unit instead of the UTF-8 bytes we
  // sign with, and would reject every push signed with a non-ASCII secret.
  secret: z.string().min(8).max(256)
    .regex(/^[\x20-\x7e]*$/, { error: 'must be printable ASCII (space to ~): Standard Webhooks libraries do not encode other characters as UTF-8' })
    .optional().describe('Signing secret, printable ASCII; generated when absent'),
  subscriptions: subscriptionsSchema.default('*'),
  maxPushesPerS: maxPushesPerSSchema.default(null),
});

export const patchSchoolSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  endpointUrl: endpointUrlSchema.optional(),
  subscriptions: subscriptionsSchema.optional(),
  maxPushesPerS: maxPushesPerSSchema.optional(),
});

export const sidParams = z.object({ sid: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export const replaySchema = z
  .strictObject({ since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }).optional() })
  .refine((r) => !r.until || Date.parse(r.until) >= Date.parse(r.since), { message: 'until is before since', path: ['until'] });

export const skipHeadSchema = z.strictObject({ eventId: z.string().max(128).optional() }).default({});
