import { randomUUID } from 'node:crypto';
import { createSubscriber, type RedisClient, type RedisConfig } from '../lib/redis.js';
import type { Keys } from './keys.js';

/**
 * A worker process's wake channel: a drainer that found its school's outbox empty waits on it
 * (fetch-head leaves the school in phase `waiting` with this channel), and the ingest publishes the
 * waiting drainer's owner token there when the school gets an event. One subscriber connection
 * per worker, one channel, opened on start; ioredis subscribes again after a reconnect.
 */
export class DrainWakes {
  /** The channel fetch-head is given; unique to this worker. */
  readonly channel: string;
  private subscriber: RedisClient | undefined;
  private subscribed = false;

  constructor(
    private readonly redisConfig: RedisConfig,
    keys: Keys,
    private readonly onWake: (token: string) => void,
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
    sub.on('message', (_channel: string, token: string) => this.onWake(token));
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
