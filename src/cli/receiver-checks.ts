/**
 * The pushes `check-receiver` sends, built exactly as classbell builds its own
 * (domain `toWire` → `wirePrefix` → `completeBody`, `safeKey`, `pushHeaders`),
 * so a receiver that passes here accepts real pushes. Pure: no I/O.
 */
import { randomBytes } from 'node:crypto';
import { CATALOGUE } from '../domain/catalogue.js';
import { eventInputSchema, normalizeEvent, type ClassEvent } from '../domain/events.js';
import { pushHeaders, safeKey } from '../domain/signing.js';
import { completeBody, testPushBody, toWire, wirePrefix } from '../domain/wire.js';

/** One HTTP push: what to POST and how to describe it. */
export interface Push {
  readonly eventId: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What may be deliberately wrong in a push. */
export interface Tampering {
  /** SafeKey computed with another secret (the webhook-signature stays valid). */
  readonly wrongSafeKey?: boolean;
  /** webhook-signature made with another key (SafeKey stays valid). */
  readonly wrongSignature?: boolean;
}

/** A secret that is surely not the school's: the given one, reversed and salted. */
function otherSecret(secret: string): string {
  return `x${[...secret].reverse().join('')}-not-the-secret`;
}

/** The registration test push (PROTOCOL.md §1), with the headers classbell sends with it. */
export function testPush(sid: number, secret: string, timeStampS: number): Push {
  const eventId = `test_${randomBytes(6).toString('hex')}`;
  const body = testPushBody(sid, timeStampS, safeKey(secret, timeStampS));
  return { eventId, body, headers: { ...pushHeaders(secret, eventId, timeStampS, body) } };
}

/** One attempt of an event's push, signed at `timeStampS` (or deliberately mis-signed). */
export function eventPush(event: ClassEvent, secret: string, timeStampS: number, tampering: Tampering = {}): Push {
  const keySecret = tampering.wrongSafeKey ? otherSecret(secret) : secret;
  const body = completeBody(wirePrefix(toWire(event)), timeStampS, safeKey(keySecret, timeStampS));
  const hmacSecret = tampering.wrongSignature ? otherSecret(secret) : secret;
  return { eventId: event.id, body, headers: { ...pushHeaders(hmacSecret, event.id, timeStampS, body) } };
}

/** The wire Cmd of an event, for reports: `67371107` or `"Net"`. */
export function cmdOf(event: ClassEvent): string {
  const cmd = CATALOGUE[event.type].cmd;
  return typeof cmd === 'number' ? String(cmd) : `"${cmd}"`;
}

/**
 * The scripted lesson: in-class types of each Cmd family, an after-class and a
 * school-level type, with fresh ids (`chk_<run>_<n>`) so a real receiver never
 * mistakes them for earlier ones.
 */
export function scriptedEvents(sid: number, nowS: number): ClassEvent[] {
  const run = randomBytes(4).toString('hex');
  const classId = 900_000_000 + Math.floor(Math.random() * 1_000_000);
  const lesson = { sid, classId, courseId: 18041431 };
  const student = 1002647;
  const inputs: unknown[] = [
    { type: 'enter', ...lesson, uid: student, nickName: 'check-receiver', identity: 1, device: 3 },
    { type: 'hands_up', ...lesson, uid: student, up: true },
    { type: 'reward', ...lesson, uid: student, times: 1, sourceUid: 1000001 },
    { type: 'stage', ...lesson, uid: student, up: true },
    { type: 'mute_all', ...lesson, muted: true },
    { type: 'network', ...lesson, uid: student, data: { localIP: '192.168.1.8', socket: 'tcp', good: 290, normal: 10, bad: 0, total: 300 } },
    { type: 'exit', ...lesson, uid: student, identity: 1, reason: 1 },
    { type: 'rating', ...lesson, tuid: 1000001, comments: { [String(student)]: { account: '13800000000', s2t: { comment: 'clear', score: 5 } } } },
    { type: 'file_converted', sid, data: { fileId: 42, status: 'done' } },
    // Held back for the retry and after-refusal checks.
    { type: 'hands_up', ...lesson, uid: student, up: false },
    { type: 'chat_history', ...lesson, url: 'https://files.example/chat.zip', timeStamp: nowS },
  ];
  return inputs.map((input, n) =>
    normalizeEvent(eventInputSchema.parse(input), { sid, id: `chk_${run}_${n + 1}`, nowS: nowS - inputs.length + n }),
  );
}

/** An event for a forged push: fresh id, so dedupe can never excuse acknowledging it. */
export function forgedEvent(sid: number, nowS: number, label: string): ClassEvent {
  const input = { type: 'hands_up', sid, classId: 900_000_001, uid: 1002647, up: true };
  return normalizeEvent(eventInputSchema.parse(input), { sid, id: `chk_${label}_${randomBytes(4).toString('hex')}`, nowS });
}
