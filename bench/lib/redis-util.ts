import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisClient } from '../../src/lib/redis.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix per scenario (classbell's KEY_PREFIX allows [A-Za-z0-9_-]{1,32}). */
export function uniquePrefix(name: string): string {
  return `bench-${name.replace(/[^a-z0-9]/gi, '').slice(0, 12)}-${randomBytes(4).toString('hex')}`;
}

export function benchRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

/** Every key under `<prefix>:` (BullMQ's included). */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Deletes every key under `<prefix>:`; returns how many there were. */
export async function dropPrefix(prefix: string): Promise<number> {
  const redis = benchRedis();
  try {
    const keys = await keysUnder(redis, prefix);
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
    return keys.length;
  } finally {
    redis.disconnect();
  }
}

/** INFO memory → used_memory, in bytes. */
export async function usedMemory(redis: RedisClient): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/** Which part of classbell's data a key under `<prefix>:` holds, for the memory breakdown. */
function keyKind(prefix: string, key: string): string {
  const rest = key.slice(prefix.length + 1);
  if (rest.startsWith('bull:')) return 'bullmq';
  if (/^\{s\d+\}:e:/.test(rest)) return 'eventHashes';
  if (/^\{s\d+\}:q$/.test(rest)) return 'outboxList';
  if (/(^|:)log$/.test(rest)) return 'deliveryLogs';
  return 'other';
}

/**
 * Σ MEMORY USAGE over the keys under `<prefix>:`, in total and by kind (only this scenario's keys,
 * whoever else uses the Redis server).
 */
export async function prefixBytes(redis: RedisClient, prefix: string): Promise<{ total: number; byKind: Record<string, number> }> {
  const keys = await keysUnder(redis, prefix);
  const byKind: Record<string, number> = {};
  let total = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const slice = keys.slice(i, i + 1000);
    const pipeline = redis.pipeline();
    for (const key of slice) pipeline.memory('USAGE', key, 'SAMPLES', '0');
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, bytes], j) => {
      if (error || typeof bytes !== 'number') return;
      total += bytes;
      const kind = keyKind(prefix, slice[j]!);
      byKind[kind] = (byKind[kind] ?? 0) + bytes;
    });
  }
  return { total, byKind };
}

/** INFO commandstats → calls and total µs per command. */
export async function commandStats(redis: RedisClient): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

export interface CommandDelta {
  command: string;
  /** Calls per unit (request or event) between the two snapshots. */
  callsPer: number;
  /** Redis CPU µs per unit. */
  usecPer: number;
}

/** The commands that ran between two snapshots, per `units`, most Redis time first. */
export function commandDeltas(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
  units: number,
  top = 8,
): CommandDelta[] {
  const out: CommandDelta[] = [];
  for (const [command, a] of after) {
    const b = before.get(command) ?? { calls: 0, usec: 0 };
    if (a.calls === b.calls) continue;
    out.push({ command, callsPer: Math.round(((a.calls - b.calls) / units) * 100) / 100, usecPer: Math.round(((a.usec - b.usec) / units) * 10) / 10 });
  }
  return out.sort((x, y) => y.usecPer - x.usecPer).slice(0, top);
}

/** INFO cpu → the server's used_cpu_user + used_cpu_sys, seconds. */
export async function redisCpuSeconds(redis: RedisClient): Promise<number> {
  const info = await redis.info('cpu');
  const user = /^used_cpu_user:([\d.]+)/m.exec(info);
  const sys = /^used_cpu_sys:([\d.]+)/m.exec(info);
  return Number(user?.[1] ?? NaN) + Number(sys?.[1] ?? NaN);
}

/** INFO stats → total_net_input_bytes and total_net_output_bytes of the server. */
export async function redisNetBytes(redis: RedisClient): Promise<{ inBytes: number; outBytes: number }> {
  const info = await redis.info('stats');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  return { inBytes: field('total_net_input_bytes'), outBytes: field('total_net_output_bytes') };
}
