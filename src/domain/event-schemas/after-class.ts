/**
 * The after-class types (ratings, recordings, answers, replays, chat history),
 * and the lesson summary classbell computes itself.
 */
import { z } from 'zod';
import {
  afterClassEvent,
  classShape,
  code,
  int32,
  jsonData,
  seconds,
  text,
  uid,
  unixS,
  url,
  viewingShape,
} from './common.js';

const remark = () =>
  z.strictObject({
    comment: text(4000).describe('The comment'),
    score: int32().min(0).max(100).describe('The score given (wire Score, Int32)'),
  });

export const ratingSchema = afterClassEvent(
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

export const recordingFileSchema = afterClassEvent(
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

export const recordingUploadedSchema = afterClassEvent(
  'recording_uploaded',
  {
    vUrl: url().describe('Where the video is (wire VUrl)'),
    duration: seconds().describe('Seconds'),
    fileId: z.int().nonnegative().describe('ClassIn file id'),
    size: z.int().nonnegative().describe('Bytes'),
  },
  'A recording is uploaded',
);

export const eduAnswersSchema = afterClassEvent(
  'edu_answers',
  { data: jsonData('The answers (type, startTime, endTime, questionList[…]), pushed unchanged as "Data"') },
  "A lesson's EDU answers",
);

export const replayWebSchema = afterClassEvent('replay_web', viewingShape, 'A web replay viewing detail');

export const replayClientSchema = afterClassEvent(
  'replay_client',
  {
    uid: uid(),
    totalDuration: seconds().describe('Seconds of replay watched in all'),
    validWatchCount: int32().nonnegative().describe('How many valid viewings'),
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
export const chatHistorySchema = afterClassEvent(
  'chat_history',
  {
    url: url().describe('Where the zip of the chat is'),
    timeStamp: unixS().describe(
      "The chat's time, unix seconds; pushed as ChatTime since TimeStamp is the push's signing time",
    ),
  },
  "A lesson's chat history",
);

/**
 * The lesson summary ("End"): computed by classbell from a class's in-class
 * events, never posted (events.ts leaves it out of the ingest union, so posting
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
