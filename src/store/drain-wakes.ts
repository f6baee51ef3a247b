import { randomUUID } from 'node:crypto';
import { unpack } from 'msgpackr';
import { createSubscriber, type RedisClient, type RedisConfig } from '../lib/redis.js';
import type { HeadEvent } from './drain-scripts.js';
import type { Keys } from './keys.js';

/** Events the ingest handed to a waiting drainer: its school's head, with where to push them. */
export interface Handoff {
  endpointUrl: string;
  secret: string;
  events: HeadEvent[];
}

/** Values before the events in a handover message: owner token, url, secret, accepted at (ms). */
const HANDOFF_HEADER = 4;
/** Values per handed-over event: id, json, traceparent ("" for none). */
const HANDOFF_EVENT = 3;

/**
 * Reads one message of the wake channel: a bare owner token (the drainer is only woken: it
 * fetches), or ingest-events' handover, a msgpack array (first byte 0x90–0x9f or 0xdc/0xdd; a
 * token is printable ASCII). Undefined for a message of neither shape.
 */
export function readWake(message: Buffer): { token: string; handoff?: Handoff } | undefined {
  if (message.length === 0) return undefined;
  if (message[0]! < 0x80) return { token: message.toString('latin1') };
  let values: unknown;
  try {
    values = unpack(message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || values.length < HANDOFF_HEADER + HANDOFF_EVENT || (values.length - HANDOFF_HEADER) % HANDOFF_EVENT !== 0) return undefined;
  if (!values.every((v) => typeof v === 'string')) return undefined;
  const [token, endpointUrl, secret, at] = values as string[];
  const acceptedAtMs = Number(at);
  if (!token || !Number.isFinite(acceptedAtMs)) return undefined;
  const events: HeadEvent[] = [];
  for (let i = HANDOFF_HEADER; i < values.length; i += HANDOFF_EVENT) {
    const event: HeadEvent = { id: values[i] as string, json: values[i + 1] as string, attempts: 0, acceptedAtMs };
    if (values[i + 2] !== '') event.trace = values[i + 2] as string;
    events.push(event);
  }
  return { token, handoff: { endpointUrl: endpointUrl!, secret: secret!, events } };
}

/**
 * A worker process's wake channel: a drainer that found its school's outbox empty waits on it
 * (fetch-head leaves the school in phase `waiting` with this channel), and the ingest publishes
 * there when the school gets events: the events themselves for the drainer (`readWake`), or only
 * the waiting drainer's owner token (the drainer then fetches). One subscriber connection per
 * worker, one channel, opened on start; ioredis subscribes again after a reconnect.
 */
export class DrainWakes {
  /** The channel fetch-head is given; unique to this worker. */
  readonly channel: string;
  private subscriber: RedisClient | undefined;
  private subscribed = false;

  constructor(
    private readonly redisConfig: RedisConfig,
    keys: Keys,
    private readonly onWake: (token: string, handoff?: Handoff) => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.channel = keys.drainWakeChannel(randomUUID());
  }

  /** Subscribes; resolves once messages can arrive. */
  async start(): Promise<void> {
    // No ready check: its INFO would collide with the SUBSCRIBE queued while connecting.
    const sub = createSubscriber(this.redisConfig);
    this.subscriber = sub;
    sub.on('error', this.onError);
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      const wake = readWake(message);
      if (wake) this.onWake(wake.token, wake.handoff);
    });
    // A message published while the connection is down is lost: drainers only wait on a channel
    // that is listened to now (and a lost message costs a drainer its wait, nothing more).
    // ioredis subscribes again when it reconnects (autoResubscribe), before it reports ready.
    sub.on('close', () => (this.subscribed = false));
    await sub.subscribe(this.channel);
    this.subscribed = true;
    sub.on('ready', () => (this.subscribed = this.subscriber === sub));
  }

  /** True while the channel is subscribed. */
  get listening(): boolean {
    return this.subscribed;
  }

  close(): void {
    this.subscribed = false;
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
