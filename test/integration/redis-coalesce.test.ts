/**
 * The write-coalescing adapter (src/lib/redis-coalesce.ts) leans on two ioredis internals: commands
 * go through `sendCommand`, and a connected client writes to its socket `stream`. This test fails
 * when a new ioredis changes either: the commands of one turn must leave in one socket write.
 */
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceWrites, flushWrites } from '../../src/lib/redis-coalesce.js';
import { REDIS_URL } from '../helpers/harness.js';

/** Counts the socket's low-level writes (Node calls _writev for corked, _write for single chunks). */
function countWrites(socket: Socket): { writes: () => number; restore: () => void } {
  const target = socket as unknown as { _write: (...a: unknown[]) => unknown; _writev?: (...a: unknown[]) => unknown };
  const original = { write: target._write, writev: target._writev };
  let writes = 0;
  target._write = function (...a: unknown[]) {
    writes++;
    return original.write.apply(this, a);
  };
  if (original.writev) {
    target._writev = function (...a: unknown[]) {
      writes++;
      return original.writev!.apply(this, a);
    };
  }
  return { writes: () => writes, restore: () => Object.assign(target, { _write: original.write, _writev: original.writev }) };
}

describe('coalescing the writes of one event-loop turn', () => {
  let plain: Redis;
  let coalesced: Redis;
  beforeAll(async () => {
    plain = new Redis(REDIS_URL);
    coalesced = new Redis(REDIS_URL);
    await Promise.all([plain.ping(), coalesced.ping()]);
    expect(coalesceWrites(coalesced)).toBe(true);
  });
  afterAll(() => {
    plain.disconnect();
    coalesced.disconnect();
  });

  async function twentyInOneTurn(redis: Redis): Promise<{ writes: number; replies: string[] }> {
    const socket = (redis as unknown as { stream?: Socket }).stream;
    expect(socket, 'ioredis keeps its connected socket in `stream`').toBeDefined();
    const counter = countWrites(socket!);
    try {
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => redis.echo(`m${i}`)));
      return { writes: counter.writes(), replies };
    } finally {
      counter.restore();
    }
  }

  it('sends the twenty commands of one turn in one write, with every reply in order', async () => {
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const withoutAdapter = await twentyInOneTurn(plain);
    const withAdapter = await twentyInOneTurn(coalesced);
    expect(withoutAdapter.replies).toEqual(expected);
    expect(withAdapter.replies).toEqual(expected);
    expect(withoutAdapter.writes).toBeGreaterThan(1);
    expect(withAdapter.writes).toBe(1);
  });

  it('flushWrites sends what the turn holds so far at once', async () => {
    const socket = (coalesced as unknown as { stream: Socket }).stream;
    const counter = countWrites(socket);
    try {
      const first = coalesced.echo('a');
      flushWrites(coalesced);
      const written = counter.writes();
      const second = coalesced.echo('b');
      expect(await Promise.all([first, second])).toEqual(['a', 'b']);
      expect(written).toBe(1);
      expect(counter.writes()).toBe(2);
    } finally {
      counter.restore();
    }
  });
});
