/**
 * REDIS_MIN_REPLICAS_ACK against a real primary and replica (private redis-servers on loopback
 * ports 16321/16322): nothing changes at the default, writes resolve only once the replica holds
 * them (one WAIT per batch), and a paused replica turns them into ReplicaWaitErrors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createRedis, waitReady, type RedisClient } from '../../src/lib/redis.js';
import { Keys } from '../../src/store/keys.js';
import { OutboxStore, type OutboxEntry } from '../../src/store/outbox.js';
import { ReplicaWaitError, replicaWaitFor } from '../../src/store/replica-wait.js';
import { SchoolStore } from '../../src/store/schools.js';
import { until } from '../chaos/support.js';
import { ADMIN_TOKEN, uniquePrefix } from '../helpers/harness.js';
import { ask, clientOf, commandCalls, onlineReplicas, startRedis, type Server } from '../helpers/redis-replication.js';

const PRIMARY = 16321;
const REPLICA = 16322;
const SID = 41;

describe('replica wait (REDIS_MIN_REPLICAS_ACK)', () => {
  let dir: string;
  let servers: Server[] = [];
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classbell-replica-wait-'));
    servers = [startRedis(PRIMARY, dir), startRedis(REPLICA, dir, PRIMARY)];
    await until('the replica online', async () => (await onlineReplicas(PRIMARY)) === 1, 15_000, 100);
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(servers.map((s) => s.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** An outbox on its own connection to the private primary, with a school to ingest into. */
  async function outbox(env: Record<string, string> = {}, sharedKeys?: Keys) {
    const config = loadConfig({ NODE_ENV: 'test', ADMIN_TOKEN, REDIS_URL: `redis://127.0.0.1:${PRIMARY}`, ...env });
    const redis = createRedis(config);
    clients.push(redis);
    await waitReady(redis);
    const keys = sharedKeys ?? new Keys(uniquePrefix('rwait'));
    if (!sharedKeys) await new SchoolStore(redis, keys).create({ sid: SID, name: 'replicated', endpointUrl: 'http://127.0.0.1:9/', subscriptions: '*' });
    return { redis, keys, store: new OutboxStore(redis, keys, 3600, undefined, replicaWaitFor(redis, config)) };
  }

  function entry(id: string): OutboxEntry {
    return { id, sid: SID, indexed: true, type: 'stage', json: JSON.stringify({ id, sid: SID, type: 'stage' }) };
  }

  /** What the ingest service does: mark, write, confirm. */
  async function ingest(store: OutboxStore, id: string) {
    const mark = store.markWrite();
    const result = await store.ingest('app', [entry(id)]);
    await store.replicated(result, mark);
    return result;
  }

  /** Pauses the replica for `seconds` (DEBUG SLEEP); `awake` resolves when it answers again. */
  async function pauseReplica(seconds: number): Promise<{ awake: Promise<unknown> }> {
    const client = clientOf(REPLICA);
    clients.push(client);
    await client.connect();
    const done = client.call('DEBUG', 'SLEEP', seconds);
    // DEBUG SLEEP has started once another client's PING goes unanswered.
    const asleep = () => Promise.race([ask(REPLICA, 'PING'), new Promise((resolve) => setTimeout(() => resolve('asleep'), 200))]);
    await until('the replica asleep', async () => (await asleep()) === 'asleep', 5000, 10);
    return { awake: done };
  }

  it('sends no WAIT at the default (REDIS_MIN_REPLICAS_ACK=0)', async () => {
    const { store } = await outbox();
    const before = await commandCalls(PRIMARY, 'wait');
    const result = await ingest(store, 'zero-1');
    expect(result).toMatchObject({ kind: 'ok', accepted: ['zero-1'] });
    expect(await ingest(store, 'zero-1')).toMatchObject({ kind: 'ok', duplicates: ['zero-1'] });
    expect(await commandCalls(PRIMARY, 'wait')).toBe(before);
  });

  it('resolves only once the replica holds the events, with one WAIT for a turn of writes', async () => {
    const { store, keys } = await outbox({ REDIS_MIN_REPLICAS_ACK: '1' });
    const before = await commandCalls(PRIMARY, 'wait');
    const ids = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    const results = await Promise.all(ids.map((id) => ingest(store, id)));
    expect(results.flatMap((r) => (r.kind === 'ok' ? r.accepted : []))).toEqual(ids);
    const waits = (await commandCalls(PRIMARY, 'wait')) - before;
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(waits).toBeLessThan(ids.length / 4);
    // Read at the replica right after the writes resolved: it holds every one of them.
    const onReplica = await Promise.all(ids.map((id) => ask(REPLICA, 'EXISTS', keys.event(SID, id))));
    expect(onReplica).toEqual(ids.map(() => 1));
  });

  it('answers ReplicaWaitError while the replica sleeps, also for a duplicate retried on another connection', async () => {
    const a = await outbox({ REDIS_MIN_REPLICAS_ACK: '1' });
    const { awake } = await pauseReplica(4);
    await expect(ingest(a.store, 'slept-1')).rejects.toThrow(ReplicaWaitError);
    // Another API process (its own connection, nothing written on it yet) gets the client's retry.
    const b = await outbox({ REDIS_MIN_REPLICAS_ACK: '1' }, a.keys);
    await expect(ingest(b.store, 'slept-1')).rejects.toThrow(/only 0 of 1 replicas/);
    await awake;
    expect(await ingest(a.store, 'slept-1')).toMatchObject({ kind: 'ok', duplicates: ['slept-1'] });
    expect(await ask(REPLICA, 'EXISTS', a.keys.event(SID, 'slept-1'))).toBe(1);
  });

  it('refuses to confirm a write whose connection was replaced before its WAIT', async () => {
    const { redis, store } = await outbox({ REDIS_MIN_REPLICAS_ACK: '1' });
    const mark = store.markWrite();
    const result = await store.ingest('app', [entry('moved-1')]);
    const reconnected = new Promise((resolve) => redis.once('ready', resolve));
    redis.disconnect(true);
    await reconnected;
    await expect(store.replicated(result, mark)).rejects.toThrow(/connection changed/);
  });

  it('resolves settles only after their WAIT; a failed WAIT fails the settle and the next claim', async () => {
    const { redis, keys, store } = await outbox({ REDIS_MIN_REPLICAS_ACK: '1' });
    const ids = ['s-1', 's-2', 's-3'];
    for (const id of ids) await ingest(store, id);
    // The school as an active one being drained (the drain's claim is not under test here).
    await redis.hset(keys.school(SID), 'status', 'active');
    await redis.hdel(keys.state(SID), 'hold');
    await redis.hset(keys.state(SID), 'owner', 'tok', 'sched', '1', 'phase', 'draining');
    const attempt = { n: 1, at: new Date().toISOString(), durationMs: 1, httpStatus: 200, errno: null, outcome: 'delivered' as const, response: null };
    expect(await store.settle(SID, 'tok', 's-1', attempt)).toEqual({ kind: 'ok' });
    expect(await ask(REPLICA, 'LRANGE', keys.outbox(SID), 0, -1)).toEqual(['s-2', 's-3']);
    const { awake } = await pauseReplica(4);
    await expect(store.settle(SID, 'tok', 's-2', attempt)).rejects.toThrow(ReplicaWaitError);
    // The drain retried after that failure claims the school again: nothing is pushed until the
    // failed settle is on the replicas.
    await redis.hset(keys.state(SID), 'epoch', '1');
    await expect(store.fetchHead(SID, 'claim', '1', 'tok-2', 10)).rejects.toThrow(ReplicaWaitError);
    await awake;
    expect(await store.fetchHead(SID, 'claim', '1', 'tok-3', 10)).toMatchObject({ kind: 'ok', events: [{ id: 's-3' }] });
  });
});
