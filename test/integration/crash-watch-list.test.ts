/**
 * The crash watch's client list (connectedWorkers) where Redis will not give one: a server whose
 * CLIENT command is disabled, as some providers do, answers "no list" (the watch then leaves
 * crashed workers to BullMQ's lock), while a passing error is thrown (the look is retried).
 * Private redis-servers on loopback (port 16331: CLIENT renamed away; 16332: nothing listens).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedWorkers } from '../../workers/crash-takeover.js';
import { ask, clientOf, startRedis, type Server } from '../helpers/redis-replication.js';
import { waitFor } from '../helpers/harness.js';

const NO_CLIENT = 16331;
const NOBODY = 16332;
const queue = { name: 'classbell', opts: { prefix: 'watch-test:bull' } };

describe('the crash watch\'s list of connected workers', () => {
  let dir: string;
  let server: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classbell-watch-'));
    server = startRedis(NO_CLIENT, dir, undefined, ['--rename-command', 'CLIENT', '']);
    await waitFor('the private redis-server answers', async () => (await ask(NO_CLIENT, 'PING')) === 'PONG');
  });
  afterAll(async () => {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is null where the server refuses CLIENT LIST', async () => {
    const redis = clientOf(NO_CLIENT);
    await redis.connect();
    try {
      await expect(redis.client('LIST')).rejects.toThrow(/unknown command/i);
      expect(await connectedWorkers(redis, queue)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('throws a passing error (no server) instead of answering "no list"', async () => {
    const redis = clientOf(NOBODY);
    try {
      await expect(connectedWorkers(redis, queue)).rejects.toThrow();
    } finally {
      redis.disconnect();
    }
  });
});
