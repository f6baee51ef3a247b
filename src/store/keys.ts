/**
 * Every Redis key classbell uses. A school's keys share the hash tag `{s<sid>}` so the scripts that
 * touch them stay in one slot (Redis Cluster).
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** `<prefix>:{s<sid>}`: the common head of a school's keys. */
  tag(sid: number): string {
    return `${this.prefix}:{s${sid}}`;
  }
  school(sid: number): string {
    return `${this.tag(sid)}:school`;
  }
  /** Ordered outbox: event ids waiting to be pushed, head first. */
  outbox(sid: number): string {
    return `${this.tag(sid)}:q`;
  }
  /** Drain state and delivery counters. */
  state(sid: number): string {
    return `${this.tag(sid)}:st`;
  }
  eventPrefix(sid: number): string {
    return `${this.tag(sid)}:e:`;
  }
  event(sid: number, id: string): string {
    return `${this.eventPrefix(sid)}${id}`;
  }
  /**
   * Pushed events of a school by acceptance order (delivery log). Scores are acceptance time in
   * ms × 1000 plus a tie-breaker, so same-millisecond events keep their order; see logScore().
   */
  schoolLog(sid: number): string {
    return `${this.tag(sid)}:log`;
  }
  /** Pushed events of all schools by acceptance time, members "<sid>/<id>". */
  get log(): string {
    return `${this.prefix}:log`;
  }
  /** Client-chosen event id → "<appId> <sid>" (idempotency and lookup). */
  eventIndex(id: string): string {
    return `${this.prefix}:eid:${id}`;
  }
  /** Schools with a drain job, scored by the last time their drain state changed. */
  get scheduled(): string {
    return `${this.prefix}:sched`;
  }
  /** All schools, scored by sid. */
  get schools(): string {
    return `${this.prefix}:schools`;
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
  /** Short-lived locks for periodic maintenance shared by all worker processes. */
  lock(name: string): string {
    return `${this.prefix}:lock:${name}`;
  }
  /** The prefix BullMQ puts before its own keys. */
  get bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}
