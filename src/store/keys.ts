import { SCHOOL_KEY_SUFFIXES, schoolTag } from './key-schema.js';

/**
 * Every Redis key classbell uses. A school's keys share the hash tag `{s<sid>}` and a room's keys
 * `{r<roomId>}`, so every script and transaction stays in one slot of a Redis Cluster; global keys
 * (indexes, locks) are only ever touched by single-key commands.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** `<prefix>:{s<sid>}`: the common head of a school's keys. */
  tag(sid: number): string {
    return schoolTag(this.prefix, sid);
  }
  school(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.school}`;
  }
  /** Ordered outbox: event ids waiting to be pushed, head first. */
  outbox(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.outbox}`;
  }
  /** Deliveries per minute over the last hour: field = minute number since the epoch (dashboard sparkline). */
  deliveriesPerMinute(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.perMinute}`;
  }
  /** End times (ms) of the school's pushes in the last second: its maxPushesPerS window. */
  pushWindow(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.pushWindow}`;
  }
  /** Drain state and delivery counters. */
  state(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.state}`;
  }
  eventPrefix(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.eventPrefix}`;
  }
  event(sid: number, id: string): string {
    return `${this.eventPrefix(sid)}${id}`;
  }
  /**
   * Pushed events of a school by acceptance order (delivery log): a stream whose entry ids are
   * "<acceptance ms>-<seq>" and whose one field `i` is the event id.
   */
  schoolLog(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.log}`;
  }
  /** A class's course schedule and lesson-summary state. */
  classRecord(sid: number, classId: number): string {
    return `${this.tag(sid)}:c:${classId}`;
  }
  /** Ids of a class's in-class events, in acceptance order (input of the lesson summary). */
  classEvents(sid: number, classId: number): string {
    return `${this.tag(sid)}:c:${classId}:ev`;
  }
  /** Classes whose summary is due, scored by when (ms), members "<sid>/<classId>" (reconciler). */
  get classesDue(): string {
    return `${this.prefix}:classes:due`;
  }
  /**
   * Sample lists of the school waiting for their Net report, scored by when their first sample
   * arrived (ms), members the list keys: written with the first sample, so a lost job is found.
   */
  netDue(sid: number): string {
    return `${this.tag(sid)}${SCHOOL_KEY_SUFFIXES.netDue}`;
  }
  /** Raw network samples of a class for one 5-minute window (aggregated into "Net"). */
  netSamples(sid: number, classId: number, windowStartS: number): string {
    return `${this.tag(sid)}:net:${classId}:${windowStartS}`;
  }
  /** The window a netSamples key names (the inverse of netSamples), or undefined for another key. */
  parseNetSamples(key: string): { sid: number; classId: number; windowStartS: number } | undefined {
    const m = /^(.*):\{s(\d+)\}:net:(\d+):(\d+)$/.exec(key);
    if (!m || m[1] !== this.prefix) return undefined;
    return { sid: Number(m[2]), classId: Number(m[3]), windowStartS: Number(m[4]) };
  }
  /**
   * Schools by the ms of their newest delivery-log entry (a hint for the all-schools log: a
   * school's entries are never newer than its ms here). Written after the per-school scripts.
   */
  get logActivity(): string {
    return `${this.prefix}:log-activity`;
  }
  /** Multi-node ingest batches accepted but not yet applied everywhere (Redis Cluster only). */
  get ingestJournal(): string {
    return `${this.prefix}:{journal}:ingest`;
  }
  get ingestJournalIndex(): string {
    return `${this.prefix}:{journal}:ingest:at`;
  }
  /** All schools, scored by sid. */
  get schools(): string {
    return `${this.prefix}:schools`;
  }
  /** Schools whose delete has begun and not finished, scored by when it began (ms). */
  get schoolsDeleting(): string {
    return `${this.prefix}:schools:deleting`;
  }
  /** A dashboard session (JSON, expiring with the session). */
  session(id: string): string {
    return `${this.prefix}:sess:${id}`;
  }
  /** School API key hash → sid. */
  schoolApiKey(hash: string): string {
    return `${this.prefix}:apikey:${hash}`;
  }
  app(appId: string): string {
    return `${this.prefix}:app:${appId}`;
  }
  get apps(): string {
    return `${this.prefix}:apps`;
  }
  /** Recorded alerts, newest first (capped list of JSON). */
  get alerts(): string {
    return `${this.prefix}:alerts`;
  }
  /** Open alert per school and kind: "<sid>:<kind>" → JSON {since, lastAlertAt}. */
  get openAlerts(): string {
    return `${this.prefix}:alerts:open`;
  }
  /** Short-lived locks for periodic maintenance shared by all worker processes. */
  lock(name: string): string {
    return `${this.prefix}:lock:${name}`;
  }
  /**
   * Written by an ingest that found duplicates when replicas must acknowledge writes: its WAIT then
   * covers the duplicates' first write too, made on another connection (see OutboxStore.replicated).
   */
  get replicaMark(): string {
    return `${this.prefix}:replica-mark`;
  }
  /** `<prefix>:{r<roomId>}`: the common head of a room's keys (one slot per room). */
  roomTag(roomId: string): string {
    return `${this.prefix}:{r${roomId}}`;
  }
  /** A room: hash of `doc` (JSON), `ver` (compare-and-set version) and `seq` (last notification). */
  room(roomId: string): string {
    return `${this.roomTag(roomId)}:room`;
  }
  /** A room's members: userId → member JSON. */
  roomUsers(roomId: string): string {
    return `${this.roomTag(roomId)}:users`;
  }
  /** userUuid → userId within a room. */
  roomUserUuids(roomId: string): string {
    return `${this.roomTag(roomId)}:uuids`;
  }
  /** userUuid → re-entry ban end (ms) within a room. */
  roomBans(roomId: string): string {
    return `${this.roomTag(roomId)}:bans`;
  }
  /** The last notifications of a room (capped list), for Last-Event-ID replay. */
  roomBuffer(roomId: string): string {
    return `${this.roomTag(roomId)}:buf`;
  }
  /** Notifications of a linked room not yet turned into catalogue events. */
  roomRelay(roomId: string): string {
    return `${this.roomTag(roomId)}:relay`;
  }
  roomRelayLock(roomId: string): string {
    return `${this.roomTag(roomId)}:relay-lock`;
  }
  /** Notifications still to be sent as RTM channel messages (entries `{channel, message}`); outlives the room. */
  roomRtm(roomId: string): string {
    return `${this.roomTag(roomId)}:rtm`;
  }
  roomRtmLock(roomId: string): string {
    return `${this.roomTag(roomId)}:rtm-lock`;
  }
  /** Pub/sub channel of a room's notifications. */
  /** A worker process's Pub/Sub channel: a new event wakes a drainer waiting on its school's empty outbox. */
  drainWakeChannel(workerId: string): string {
    return `${this.prefix}:drain-wake:${workerId}`;
  }
  roomChannel(roomId: string): string {
    return `${this.roomTag(roomId)}:ch`;
  }
  /** Held (PX) while a new room is being created: its create commit needs it (see RoomStore.claimRoomUuid). */
  roomClaim(roomId: string): string {
    return `${this.roomTag(roomId)}:claim`;
  }
  /** Held (PX) while a room's whiteboard room is being created, so one caller creates it. */
  roomBoardLock(roomId: string): string {
    return `${this.roomTag(roomId)}:board-lock`;
  }
  /**
   * The room index: a hash of field {@link roomIndexField} (appId, roomUuid) → the current roomId.
   * One key rather than one per room, so the room reconciler reads the rooms with HSCAN instead of
   * SCANning the whole keyspace (millions of event records).
   */
  get roomIndex(): string {
    return `${this.prefix}:ruuid`;
  }
  roomIndexField(appId: string, roomUuid: string): string {
    return `${appId}:${roomUuid}`;
  }
  /** Last heartbeat (ms) of every online room user, members "<roomId>/<userId>". */
  get roomHeartbeats(): string {
    return `${this.prefix}:room-hb`;
  }
  /** Rooms with notifications waiting to be relayed to their school. */
  get roomRelayPending(): string {
    return `${this.prefix}:room-relay`;
  }
  /** Rooms with notifications waiting to be sent over RTM. */
  get roomRtmPending(): string {
    return `${this.prefix}:room-rtm`;
  }
  /** userUuid → the numeric uid classbell assigned, per app. */
  roomUids(appId: string): string {
    return `${this.prefix}:room-uid:${appId}`;
  }
  /** userUuid → the one app whose users it names (RTM/ZEGO identities are shared by every app). */
  userOwner(userUuid: string): string {
    return `${this.prefix}:user-owner:${userUuid}`;
  }
  get roomUidSeq(): string {
    return `${this.prefix}:room-uid-seq`;
  }
  /** The prefix BullMQ puts before its own keys. */
  get bullPrefix(): string {
    // Hash-tagged: all of BullMQ's keys of a queue share one slot on a Redis Cluster.
    return `${this.prefix}:{bull}`;
  }
}
