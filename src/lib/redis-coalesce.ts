import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './redis.js';

/**
 * The two pieces of ioredis this adapter relies on, beyond its public API: every command goes
 * through `sendCommand`, and a connected client writes to its socket `stream`. The test
 * test/integration/redis-coalesce.test.ts fails when a new ioredis changes either.
 */
interface CommandPath {
  sendCommand: Redis['sendCommand'];
  readonly stream?: Socket;
}

/** The release of each coalescing connection, for flushWrites. */
const releases = new WeakMap<RedisClient, () => void>();

/**
 * Sends what this turn has written to the connection so far, now, instead of at the end of the
 * turn (a no-op for a connection that does not coalesce). For a batch that is full early in a
 * long turn: Redis starts on it while this process goes on with the rest of the turn.
 */
export function flushWrites(redis: RedisClient): void {
  releases.get(redis)?.();
}

/**
 * Makes every command this connection sends during one turn of the event loop leave in one socket
 * write. The first command of a turn corks the socket; a setImmediate (the same turn's check
 * phase, after all of its I/O callbacks and promise jobs) uncorks it, and Node flushes the held
 * commands with one writev.
 *
 * Why: on loopback a socket write runs the receiving side's TCP path and Redis's wake-up inside
 * the syscall, so it costs tens of microseconds. A flood of deliveries settles one event per
 * acknowledgement, and many acknowledgements arrive in the same turn: one write each was the
 * largest item of the drain's CPU profile (bench/README.md). Unlike auto-pipelining this neither
 * waits for an earlier reply nor adds per-command bookkeeping; a command is delayed at most to the
 * end of the turn it was issued in, and replies and ordering are untouched (one socket, in order).
 *
 * Standalone connections only: a Cluster keeps one connection per node and pipelines on its own.
 * Returns whether the connection now coalesces.
 */
export function coalesceWrites(redis: RedisClient): boolean {
  if (isCluster(redis)) return false;
  const path: CommandPath = redis;
  if (typeof path.sendCommand !== 'function') return false;
  const send = path.sendCommand.bind(redis);
  let held: Socket | null = null;
  const release = () => {
    const socket = held;
    held = null;
    // Uncork even a socket that closed meanwhile: it only releases Node's buffer of it.
    socket?.uncork();
  };
  releases.set(redis, release);
  path.sendCommand = ((command, stream) => {
    const socket = path.stream;
    if (held === null && redis.status === 'ready' && socket !== undefined && socket.writable) {
      held = socket;
      socket.cork();
      setImmediate(release);
    }
    return send(command, stream);
  }) as Redis['sendCommand'];
  return true;
}
