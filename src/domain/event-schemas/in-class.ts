/**
 * The in-class types of the room itself: who comes and goes, hands, rewards,
 * stage, muting and authorisation, help, the lesson's extension and recording,
 * blackboard images and chat pictures.
 */
import { z } from 'zod';
import {
  EXIT_REASONS,
  IDENTITIES,
  MAX_DEVICE,
  MAX_UNIX_S,
  inClassEvent,
  int32,
  jsonData,
  seconds,
  text,
  uid,
  unixS,
  url,
} from './common.js';

export const handsUpSchema = inClassEvent(
  'hands_up',
  { uid: uid(), up: z.boolean().describe('true = hand raised, false = put down') },
  'A student raises or lowers a hand',
);

export const rewardSchema = inClassEvent(
  'reward',
  {
    uid: uid(),
    times: int32()
      .min(1)
      .describe("The student's running total of rewards in this class, this one included"),
  },
  'A student is rewarded',
);

export const authorizeSchema = inClassEvent(
  'authorize',
  {
    targetUid: uid(),
    granted: z.boolean().describe('true = drawing/board authorisation granted, false = revoked'),
  },
  'A user is granted or denied authorisation',
);

export const enterSchema = inClassEvent(
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

export const exitSchema = inClassEvent(
  'exit',
  {
    uid: uid(),
    identity: z.literal(IDENTITIES).describe('Identity code, as on enter'),
    reason: z.literal(EXIT_REASONS).describe('Exit reason code (PROTOCOL.md §1)'),
    clientId: z.literal([0, 1]).optional().describe('0 first device (default), 1 second device'),
  },
  'A user leaves the classroom',
);

export const kickOutSchema = inClassEvent(
  'kick_out',
  {
    targetUid: uid(),
    durationS: int32().nonnegative().describe('How long the user is kept out, seconds'),
  },
  'A user is kicked out of the classroom',
);

export const muteSchema = inClassEvent(
  'mute',
  { targetUid: uid(), muted: z.boolean().describe('true = muted, false = unmuted') },
  'One user is muted or unmuted',
);

export const muteAllSchema = inClassEvent(
  'mute_all',
  { muted: z.boolean().describe('true = everyone muted, false = unmuted') },
  'The whole classroom is muted or unmuted',
);

export const stageSchema = inClassEvent(
  'stage',
  { uid: uid(), up: z.boolean().describe('true = up on stage, false = down') },
  'A user goes up on or down from the stage',
);

export const helpSchema = inClassEvent(
  'help',
  {
    uid: uid().describe('Who asks for help'),
    message: text(2000).describe('The request'),
    userList: z.array(uid()).max(5000).describe('The users the request is sent to'),
  },
  'A help request',
);

export const classExtendedSchema = inClassEvent(
  'class_extended',
  {
    startTime: unixS().describe('Lesson start, unix seconds'),
    lengthS: int32().positive().describe('The new lesson length, seconds (wire PrelectTimeLength)'),
    closeDelayS: seconds().describe('How long closing is delayed, seconds (wire CloseClassDelay)'),
  },
  'The lesson is extended (possible only 8 to 3 minutes before its end)',
);

export const recordingStartedSchema = inClassEvent(
  'recording_started',
  { data: jsonData('The recording settings, pushed unchanged as "Data"') },
  'Recording (or live streaming) starts',
);

export const blackboardImageSchema = inClassEvent(
  'blackboard_image',
  {
    url: url().describe('Where the image is'),
    groupId: seconds().default(0).describe('Group room id; 0 (default) = the main room'),
  },
  'A blackboard image is saved',
);

export const chatPictureSchema = inClassEvent(
  'chat_picture',
  { uid: uid(), url: url().describe('Where the picture is'), time: unixS().describe('When sent, unix seconds') },
  'A picture is sent in the class chat',
);
