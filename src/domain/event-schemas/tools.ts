/**
 * The classroom tools: the camera window, and the two answer tools (selector,
 * responder) with their question/answer rule.
 */
import { z } from 'zod';
import { IDENTITIES, inClassEvent, int32, nickname, text, uid, unixS } from './common.js';

export const cameraPositionSchema = inClassEvent(
  'camera_position',
  {
    uid: uid(),
    area: z
      .strictObject({ x1: int32(), y1: int32(), x2: int32(), y2: int32() })
      .describe('The video window: corners (x1, y1) and (x2, y2), integers (wire Area, Int32)'),
    onTop: z.boolean().describe('true = the window is on top (wire OnTop 1)'),
    channel: z.literal([0, 1]).describe('0 main camera, 1 secondary camera'),
  },
  "A user's camera window is moved",
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
  // Only for an object: a non-object input already has its own issue (and no fields to read).
  const when = (payload: z.core.ParsePayload) =>
    typeof payload.value === 'object' && payload.value !== null &&
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

export const selectorSchema = requireUidForAnswers(
  inClassEvent(
    'selector',
    {
      phase: phase(),
      uid: uid().optional(),
      qSentTime: unixS().optional().describe('When the question was sent, unix seconds'),
      curState: int32().optional().describe("The tool's state code, as ClassIn reports it"),
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

export const responderSchema = requireUidForAnswers(
  inClassEvent(
    'responder',
    {
      phase: phase(),
      uid: uid().optional(),
      curState: int32().optional().describe("The tool's state code, as ClassIn reports it"),
      nId: int32().optional().describe('The responder round id (wire nId)'),
      fastestGuyTime: unixS().optional().describe('When the fastest user answered, unix seconds'),
      fastestGuyName: nickname().optional(),
      endTime: unixS().optional().describe('When the round ended, unix seconds'),
      participants: participants().optional(),
    },
    'The responder (first to answer): the round, or one answer',
  ),
);
