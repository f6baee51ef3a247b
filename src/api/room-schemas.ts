/**
 * Request schemas of the room API, shared by the `/conf` paths and the Agora Meeting clients'
 * `/scenario/meeting` paths. Flags are 1 = on, 0 = off as all three clients send them (integers,
 * the strings "0"/"1" from iOS); booleans are accepted too (API.md "The real Agora Meeting clients").
 */
import { z } from 'zod';

const id = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_.:-]+$/, 'only A-Z a-z 0-9 _ . : -');
const positive = () => z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A flag: 1/0, "1"/"0" or true/false, read as a boolean. */
const flag = () => z.union([z.boolean(), z.literal([0, 1]), z.literal(['0', '1'])], { error: 'expected 1 or 0 (or true/false)' })
  .transform((v) => v === true || v === 1 || v === '1');

/** muteAllAudio: 0 unmuted, 1 muted (users may unmute themselves), 2 muted (they may not); true = 2, false = 0. */
const muteLevel = () => z.union([z.boolean(), z.literal([0, 1, 2]), z.literal(['0', '1', '2'])], { error: 'expected 0, 1 or 2 (or true/false)' })
  .transform((v): 0 | 1 | 2 => (v === true ? 2 : v === false ? 0 : (Number(v) as 0 | 1 | 2)));

/** 0/1 as the clients send a state (`{state}` of screen and board calls). */
const state01 = () => z.union([z.literal([0, 1]), z.literal(['0', '1']), z.boolean()], { error: 'expected 1 or 0' })
  .transform((v): 0 | 1 => (v === true || v === 1 || v === '1' ? 1 : 0));

export const entrySchema = z.strictObject({
  roomName: z.string().trim().min(1).max(128),
  roomUuid: id(64).describe('The school\'s room id; the same roomUuid is the same room while it lives'),
  userName: z.string().trim().min(1).max(128),
  userUuid: id(64).describe('The school\'s user id; the same userUuid is the same user on any device'),
  uid: z.number().int().positive().max(2 ** 32 - 1).optional().describe('Numeric ClassIn UID; assigned stably per app and userUuid when absent'),
  role: z.enum(['host', 'audience']).optional(),
  password: z.string().max(64).optional().describe('The room password; empty = none'),
  enableVideo: flag().optional(),
  enableAudio: flag().optional(),
  avatar: z.string().max(1024).nullable().optional().describe('Sent by the mobile clients; not used'),
  classType: z.enum(['small', 'large']).optional(),
  sid: positive().optional(),
  classId: positive().optional(),
});

export const roomChangeSchema = z.strictObject({
  muteAllChat: flag().optional(),
  muteAllAudio: muteLevel().optional(),
  state: z.union([z.literal([0, 1]), z.literal(['0', '1'])]).transform((v) => Number(v) as 0 | 1).optional(),
  shareBoard: state01().optional().describe('Host: open (1) or close (0) the board'),
  lockBoard: flag().optional().describe('Host lock: only the host grants the board'),
});
export const userChangeSchema = z.strictObject({
  enableAudio: flag().optional(), enableVideo: flag().optional(), enableChat: flag().optional(),
  grantBoard: flag().optional(), stage: flag().optional(), handsUp: flag().optional(),
});
export const kickSchema = z.strictObject({ durationS: z.number().int().nonnegative().max(7 * 86_400).default(0) });
export const hostSchema = z.strictObject({ userId: z.union([positive(), z.string().regex(/^\d{1,9}$/, 'expected a userId').transform(Number)]) });
export const chatSchema = z.strictObject({ message: z.string().min(1).max(2000), type: z.number().int().optional().describe('1 text (the clients send it)') });
export const stateSchema = z.strictObject({ state: state01() });
export const handRequestSchema = z.strictObject({
  type: z.union([z.literal([1, 2, 3]), z.literal(['1', '2', '3'])]).transform((v) => Number(v) as 1 | 2 | 3).describe('1 audio, 2 video, 3 board'),
  action: z.union([z.literal([1, 2]), z.literal(['1', '2'])]).transform((v) => Number(v) as 1 | 2).describe('1 invite/apply, 2 reject'),
});
export const usersQuery = z.object({
  role: z.coerce.number().pipe(z.literal([0, 1, 2])).optional().describe('1 host, 2 audience, 0 or absent: everyone'),
  nextId: z.union([z.literal(['', 'null', 'undefined']).transform(() => 0), z.coerce.number().int().nonnegative()]).default(0),
  count: z.coerce.number().int().min(1).max(500).default(100),
});
export const appParams = z.object({ appId: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 hex characters') });
export const roomParams = appParams.extend({ roomId: z.string().regex(/^[0-9a-f]{16}$/, 'not a room id') });
export const userParams = roomParams.extend({ userId: z.coerce.number().int().positive().max(999_999_999) });

export type EntryBody = z.infer<typeof entrySchema>;
export type RoomChangeBody = z.infer<typeof roomChangeSchema>;
export type UserChangeBody = z.infer<typeof userChangeSchema>;
