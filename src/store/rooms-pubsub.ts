import { createSubscriber, type RedisConfig, type RedisClient } from '../lib/redis.js';
import type { Keys } from './keys.js';

export type RoomListener = (message: string) => void;

/**
 * Fans room notifications out to this process's event streams: one subscriber connection per
 * process (opened on first use), one channel per room with at least one local listener.
 */
export class RoomHub {
  private subscriber: RedisClient | undefined;
  private readonly listeners = new Map<string, Set<RoomListener>>();
  private readonly channelRoom = new Map<string, string>();

  constructor(
    private readonly redisConfig: RedisConfig,
    private readonly keys: Keys,
    private readonly onError: (error: Error) => void,
  ) {}

  private connection(): RedisClient {
    if (!this.subscriber) {
      // No ready check: its INFO would collide with SUBSCRIBEs queued while connecting.
      const sub = createSubscriber(this.redisConfig);
      sub.on('error', this.onError);
      sub.on('message', (channel: string, message: string) => {
        const roomId = this.channelRoom.get(channel);
        if (roomId === undefined) return;
        for (const listener of this.listeners.get(roomId) ?? []) listener(message);
      });
      this.subscriber = sub;
    }
    return this.subscriber;
  }

  /** Listens to a room; resolves once the subscription is active. Returns the unsubscribe. */
  async subscribe(roomId: string, listener: RoomListener): Promise<() => void> {
    let set = this.listeners.get(roomId);
    if (!set) {
      set = new Set();
      this.listeners.set(roomId, set);
      this.channelRoom.set(this.keys.roomChannel(roomId), roomId);
    }
    set.add(listener);
    const unsubscribe = () => {
      const current = this.listeners.get(roomId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(roomId);
        this.channelRoom.delete(this.keys.roomChannel(roomId));
        this.subscriber?.unsubscribe(this.keys.roomChannel(roomId)).catch(this.onError);
      }
    };
    try {
      // Every caller waits for SUBSCRIBE: a second listener may arrive while the first is pending.
      await this.connection().subscribe(this.keys.roomChannel(roomId));
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** Local listeners (tests, metrics). */
  listenerCount(roomId: string): number {
    return this.listeners.get(roomId)?.size ?? 0;
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.listeners.clear();
    this.channelRoom.clear();
  }
}
