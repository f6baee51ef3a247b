/**
 * The data-type catalogue: every event `type` classbell knows, and how it maps
 * onto the ClassIn data-subscription wire format (PROTOCOL.md §1).
 *
 * This is the single source of truth for type names: subscriptions, ingest
 * validation, the wire mapping and the delivery log all key off it, so adding a
 * data type starts here.
 */

/** A ClassIn `Cmd`: numeric for the original in-class messages, a string for the rest. */
export type Cmd = number | string;

/** Whether a type belongs to a class (needs a `ClassID`) or to the school as a whole. */
export type Dimension = 'class' | 'school';

/**
 * When ClassIn delivers a type: `in_class` = real time as it happens (school-level
 * messages are real time too, so they are `in_class`); `after_class` = at the
 * latest 20 minutes after the class closes.
 */
export type Timing = 'in_class' | 'after_class';

/** One row of the catalogue. */
export interface CatalogueEntry<TType extends string = EventType> {
  /** The wire `Cmd` this type is pushed as. */
  readonly cmd: Cmd;
  readonly dimension: Dimension;
  readonly timing: Timing;
  /** False for types classbell computes itself (lesson summary): apps may not post them. */
  readonly postable: boolean;
  /**
   * Set when events of this type are never pushed one by one but folded into
   * another type's periodic message (raw network samples → the 5-minute "Net").
   */
  readonly aggregatedInto?: TType;
}

// `as const` keeps the keys literal so `EventType` can be derived from them;
// `satisfies` checks every row without widening it.
const TABLE = {
  // In class, real time (PROTOCOL.md §1 "In-class messages").
  hands_up: { cmd: 67375105, dimension: 'class', timing: 'in_class', postable: true },
  reward: { cmd: 67375105, dimension: 'class', timing: 'in_class', postable: true },
  camera_position: { cmd: 67375105, dimension: 'class', timing: 'in_class', postable: true },
  authorize: { cmd: 67371520, dimension: 'class', timing: 'in_class', postable: true },
  enter: { cmd: 67371107, dimension: 'class', timing: 'in_class', postable: true },
  exit: { cmd: 67371111, dimension: 'class', timing: 'in_class', postable: true },
  kick_out: { cmd: 67371523, dimension: 'class', timing: 'in_class', postable: true },
  mute: { cmd: 67371522, dimension: 'class', timing: 'in_class', postable: true },
  mute_all: { cmd: 67371586, dimension: 'class', timing: 'in_class', postable: true },
  stage: { cmd: 67371521, dimension: 'class', timing: 'in_class', postable: true },
  selector: { cmd: 67375105, dimension: 'class', timing: 'in_class', postable: true },
  responder: { cmd: 67375105, dimension: 'class', timing: 'in_class', postable: true },
  network: { cmd: 'Net', dimension: 'class', timing: 'in_class', postable: true },
  network_sample: {
    cmd: 'Net',
    dimension: 'class',
    timing: 'in_class',
    postable: true,
    aggregatedInto: 'network',
  },
  device_check: { cmd: 'Check', dimension: 'class', timing: 'in_class', postable: true },
  help: { cmd: 'HelpInfo', dimension: 'class', timing: 'in_class', postable: true },
  class_extended: { cmd: 'ClassLen', dimension: 'class', timing: 'in_class', postable: true },
  recording_started: { cmd: 'LiveDetail', dimension: 'class', timing: 'in_class', postable: true },
  blackboard_image: { cmd: 'EdbImg', dimension: 'class', timing: 'in_class', postable: true },
  live_login: { cmd: 'LiveWebLogin', dimension: 'class', timing: 'in_class', postable: true },
  live_reserve: { cmd: 'LiveReserve', dimension: 'class', timing: 'in_class', postable: true },
  live_view: { cmd: 'LiveDataDetail', dimension: 'class', timing: 'in_class', postable: true },
  live_like: { cmd: 'LiveLike', dimension: 'class', timing: 'in_class', postable: true },
  live_goods_click: {
    cmd: 'LiveGoodsClickDetail',
    dimension: 'class',
    timing: 'in_class',
    postable: true,
  },
  // ClassIn publishes no name for this one; "ChatPicture" is classbell's choice.
  chat_picture: { cmd: 'ChatPicture', dimension: 'class', timing: 'in_class', postable: true },

  // After class (PROTOCOL.md §1 "After-class messages").
  // Computed by classbell from the in-class events, hence never posted.
  lesson_summary: { cmd: 'End', dimension: 'class', timing: 'after_class', postable: false },
  rating: { cmd: 'Rating', dimension: 'class', timing: 'after_class', postable: true },
  recording_file: { cmd: 'Record', dimension: 'class', timing: 'after_class', postable: true },
  recording_uploaded: { cmd: 'Upload', dimension: 'class', timing: 'after_class', postable: true },
  edu_answers: { cmd: 'EduDt', dimension: 'class', timing: 'after_class', postable: true },
  replay_web: {
    cmd: 'ReplayDataDetail',
    dimension: 'class',
    timing: 'after_class',
    postable: true,
  },
  replay_client: {
    cmd: 'ClientPlaybackDataDetail',
    dimension: 'class',
    timing: 'after_class',
    postable: true,
  },
  chat_history: { cmd: 'ChatContent', dimension: 'class', timing: 'after_class', postable: true },

  // School level, real time (PROTOCOL.md §1 "School-level messages").
  file_converted: { cmd: 'FileCov', dimension: 'school', timing: 'in_class', postable: true },
  device_check_outside: {
    cmd: 'UserCheck',
    dimension: 'school',
    timing: 'in_class',
    postable: true,
  },
  account_closed: {
    cmd: 'AccountCancellation',
    dimension: 'school',
    timing: 'in_class',
    postable: true,
  },
  phone_changed: {
    cmd: 'ReplacePhoneNumber',
    dimension: 'school',
    timing: 'in_class',
    postable: true,
  },
  sub_account_set: {
    cmd: 'setSubAccount',
    dimension: 'school',
    timing: 'in_class',
    postable: true,
  },
} as const satisfies Record<string, CatalogueEntry<string>>;

/** Every catalogue type name, e.g. `'hands_up'`. */
export type EventType = keyof typeof TABLE;

function deepFreeze<T extends object>(table: T): Readonly<T> {
  for (const row of Object.values(table)) Object.freeze(row);
  return Object.freeze(table);
}

/**
 * The catalogue: `type` → wire `Cmd`, dimension, timing and whether apps may
 * post it. Frozen, so no caller can change the wire mapping at run time.
 */
export const CATALOGUE: Readonly<Record<EventType, CatalogueEntry>> = deepFreeze(TABLE);

/** All catalogue types, in catalogue order (in class, after class, school level). */
export const EVENT_TYPES: readonly EventType[] = Object.freeze(
  Object.keys(TABLE) as EventType[],
);

/** True when `s` names a catalogue type (own keys only, so `'toString'` is not one). */
export function isEventType(s: unknown): s is EventType {
  return typeof s === 'string' && Object.hasOwn(TABLE, s);
}
