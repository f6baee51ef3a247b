import type { RedisClient } from '../lib/redis.js';
import { randomBytes } from 'node:crypto';
import type { Keys } from './keys.js';

export type AlertKind = 'delivery_failing' | 'delivery_recovered' | 'verification_failed' | 'verification_recovered';

export interface Alert {
  id: string;
  at: string;
  sid: number;
  kind: AlertKind;
  /** When the problem started (failing head, failed verification). */
  since: string | null;
  message: string;
  lastError: string | null;
}

export interface OpenAlert {
  sinceMs: number;
  lastAlertMs: number;
}

/** Alerts kept; older ones are dropped. */
const ALERTS_KEPT = 1000;

/** Alerts and the problems currently alerted on. */
export class AlertStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async record(alert: Omit<Alert, 'id' | 'at'>, nowMs = Date.now()): Promise<Alert> {
    const full: Alert = { id: `alert_${nowMs.toString(36)}${randomBytes(4).toString('hex')}`, at: new Date(nowMs).toISOString(), ...alert };
    await this.redis.multi().lpush(this.keys.alerts, JSON.stringify(full)).ltrim(this.keys.alerts, 0, ALERTS_KEPT - 1).exec();
    return full;
  }

  /** Newest first, optionally only one school's. */
  async list(options: { sid?: number; limit: number }): Promise<Alert[]> {
    const all = (await this.redis.lrange(this.keys.alerts, 0, ALERTS_KEPT - 1)).map((j) => JSON.parse(j) as Alert);
    return all.filter((a) => options.sid === undefined || a.sid === options.sid).slice(0, options.limit);
  }

  async openAlerts(): Promise<Map<string, OpenAlert>> {
    const h = await this.redis.hgetall(this.keys.openAlerts);
    return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as OpenAlert]));
  }

  async setOpen(key: string, value: OpenAlert): Promise<void> {
    await this.redis.hset(this.keys.openAlerts, key, JSON.stringify(value));
  }

  async clearOpen(key: string): Promise<void> {
    await this.redis.hdel(this.keys.openAlerts, key);
  }
}
