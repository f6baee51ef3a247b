/**
 * A batch whose schools live on different Redis nodes (Redis Cluster) cannot be one script: it is
 * checked on every node, journaled (the commit point), then applied node by node. These tests force
 * that path on any Redis by splitting schools over two pretend nodes (sid parity), and check that
 * it stays all or nothing, keeps each school's order, and that a batch left half-applied by a
 * crashed API process is finished by the maintenance reconciler.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeOfKey } from '../../src/lib/redis.js';
import { OutboxStore, type OutboxEntry } from '../../src/store/outbox.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { JOURNAL_GRACE_MS, reconcileIngestJournal } from '../../workers/maintenance.js';
import { ACK, Receiver } from '../helpers/receiver.js';
import { admin, createApp, createHarness, createSchool, handsUp, keysUnder, waitFor, type Harness } from '../helpers/harness.js';

const SIDS = [611, 612, 613, 614];

describe('ingest of a batch that spans Redis nodes', () => {
  let h: Harness;
  let split: OutboxStore;
  let appId: string;
  const receivers = new Map<number, Receiver>();

  const entry = (sid: number, i: number, id = `j-${sid}-${i}`): OutboxEntry => ({
    id, sid, indexed: true, type: 'hands_up', json: JSON.stringify({ ...handsUp(sid, i), id }),
  });
  const uidsAt = (sid: number) => receivers.get(sid)!.events().map((p) => p.body.UID as number | undefined);

  beforeAll(async () => {
    h = await createHarness('journal');
    // On a real cluster the parity split comes on top of the real one (a script stays on one node).
    split = new OutboxStore(h.deps.redis, h.deps.keys, 3600, (sid) => `${nodeOfKey(h.deps.redis, h.deps.keys.school(sid))}/node-${sid % 2}`);
    ({ appId } = await createApp(h.app));
    for (const sid of SIDS) {
      const receiver = await new Receiver().start();
      receiver.reply = () => ({ body: ACK });
      receivers.set(sid, receiver);
      await createSchool(h.app, sid, receiver.url);
    }
    for (const sid of SIDS) await waitFor(`${sid} active`, async () => (await request(h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
  });
  afterAll(async () => {
    await h.close();
    await Promise.all([...receivers.values()].map((r) => r.stop()));
  });

  it('refuses the whole batch when one node has a problem, writing nothing on any node', async () => {
    const snapshot = async () => {
      // Not BullMQ's keys, nor the maintenance tasks' locks (taken whenever a task comes due).
      const keys = (await keysUnder(h.deps.redis, h.prefix)).filter((k) => !k.includes(':{bull}:') && !k.includes(':lock:'));
      return Promise.all(keys.map(async (k) => `${k}=${(await h.deps.redis.dumpBuffer(k))?.toString('hex')}`));
    };
    const before = await snapshot();
    // 611 (node-1) is fine; 9999 (node-1) does not exist; 612 (node-0) is fine.
    const reply = await split.ingest(appId, [entry(611, 1), entry(612, 1), entry(9999, 1)]);
    expect(reply).toEqual({ kind: 'no_school', sid: 9999 });
    expect(await snapshot()).toEqual(before);
    // Another app's id on node-0 stops a batch too.
    const other = await split.ingest('another-app', [entry(612, 9, 'taken-by-other')]);
    const beforeTaken = await snapshot();
    const taken = await split.ingest(appId, [entry(611, 2), entry(612, 2, 'taken-by-other')]);
    expect(taken).toEqual({ kind: 'id_taken', id: 'taken-by-other' });
    expect(await snapshot()).toEqual(beforeTaken);
    if (other.kind === 'ok') await h.deps.scheduler.drainMany(other.wakes);
    expect(await h.deps.redis.hlen(h.deps.keys.ingestJournal)).toBe(0);
  });

  it('applies a split batch in order per school, reports duplicates in posted order, and leaves no journal', async () => {
    const batch = SIDS.flatMap((sid) => [1, 2, 3].map((i) => entry(sid, 100 + i)));
    const first = await split.ingest(appId, batch);
    expect(first.kind).toBe('ok');
    if (first.kind !== 'ok') return;
    expect(first.accepted).toEqual(batch.map((e) => e.id));
    await h.deps.scheduler.drainMany(first.wakes);
    const again = await split.ingest(appId, batch);
    expect(again).toMatchObject({ kind: 'ok', accepted: [], duplicates: batch.map((e) => e.id) });
    const fromThisTest = (sid: number) => uidsAt(sid).filter((u) => u !== undefined && u >= 1101 && u < 1200);
    for (const sid of SIDS) await waitFor(`${sid} got 3`, () => fromThisTest(sid).length === 3);
    for (const sid of SIDS) expect(fromThisTest(sid)).toEqual([1101, 1102, 1103]);
    expect(await h.deps.redis.hlen(h.deps.keys.ingestJournal)).toBe(0);
  });

  it('finishes a batch whose API process died after the commit point', async () => {
    const batch = SIDS.flatMap((sid) => [1, 2].map((i) => entry(sid, 200 + i)));
    // The crash: node-1's part (odd sids) was applied, node-0's was not, the journal entry stayed.
    const applied = await split.ingest(appId, batch.filter((e) => e.sid % 2 === 1));
    expect(applied.kind).toBe('ok');
    if (applied.kind === 'ok') await h.deps.scheduler.drainMany(applied.wakes);
    const atMs = Date.now() - JOURNAL_GRACE_MS - 1000;
    await h.deps.redis.hset(h.deps.keys.ingestJournal, 'crashed-1', JSON.stringify({ appId, nowMs: atMs, entries: batch }));
    await h.deps.redis.zadd(h.deps.keys.ingestJournalIndex, atMs, 'crashed-1');
    // Too recent for the reconciler at first (the API may still be working on it).
    expect(await reconcileIngestJournal(h.deps, atMs + 1000)).toBe(0);
    expect(await reconcileIngestJournal(h.deps)).toBe(1);
    expect(await h.deps.redis.hlen(h.deps.keys.ingestJournal)).toBe(0);
    for (const sid of SIDS) await waitFor(`${sid} got both`, () => uidsAt(sid).filter((u) => u !== undefined && u >= 1201).length >= 2);
    // Each event exactly once, in order, whether it was applied before the crash or after.
    for (const sid of SIDS) expect(uidsAt(sid).filter((u) => u !== undefined && u >= 1201)).toEqual([1201, 1202]);
    const deliveries = new DeliveryStore(h.deps.redis, h.deps.keys);
    const stored = await deliveries.getEvent(`j-612-202`);
    expect(stored?.sid).toBe(612);
  });
});
