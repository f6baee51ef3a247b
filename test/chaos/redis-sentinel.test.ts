/**
 * Redis Sentinel failover (issue 13, point 5): a primary, two replicas and three Sentinels on
 * loopback (ports 16301–16303, 16311–16313), classbell started with REDIS_SENTINELS and
 * REDIS_MIN_REPLICAS_ACK=1 and every other setting at its default. About 300 events/s over 10
 * schools; clients retry a non-202 with the same id. First both replicas are paused (DEBUG SLEEP):
 * no post may be answered 202 meanwhile, which shows the WAIT is real. Then the primary is
 * SIGKILLed: every event that got a 202 must be delivered, in order per school, and posting must
 * work again within 30 s, without restarting classbell.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receiver } from '../helpers/receiver.js';
import { ask, clientOf, onlineReplicas, primaryPortOf, startRedis, startSentinel, type Server } from '../helpers/redis-replication.js';
import { appWithSchools, call, pushOrder, undelivered, classbellEnv, freePort, sleep, spawnClassbell, stop, until, type Call, type Proc } from './support.js';

const PRIMARY = 16301;
const REPLICAS = [16302, 16303];
const SENTINELS = [16311, 16312, 16313];
const SCHOOLS = 10;
/** Per school: a post of 3 events every 100 ms, 30 events/s; 300/s in all. */
const EVENTS_PER_POST = 3;
const LANE_INTERVAL_MS = 100;
const RETRY_AFTER_MS = 100;
const PAUSE_S = 8;
const RECOVERY_LIMIT_MS = 30_000;

interface Post extends Call {
  sid: number;
  ids: string[];
}

/** True once the Sentinel on `port` sees both replicas and both other Sentinels. */
async function sentinelReady(port: number): Promise<boolean> {
  const reply = await ask(port, 'SENTINEL', 'master', 'mymaster');
  if (!Array.isArray(reply)) return false;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
  return fields.get('num-slaves') === '2' && fields.get('num-other-sentinels') === '2';
}

/**
 * Pauses every replica for PAUSE_S (DEBUG SLEEP). Between `asleepAt` (none answers PING) and
 * `wakeAt` (the earliest a replica can wake: PAUSE_S after the command was sent) no replica can
 * acknowledge anything; `awake` resolves once both answer again.
 */
async function pauseReplicas(): Promise<{ asleepAt: number; wakeAt: number; awake: Promise<unknown> }> {
  const clients = REPLICAS.map((port) => clientOf(port));
  await Promise.all(clients.map((c) => c.connect()));
  const sentAt = Date.now();
  const awake = Promise.all(clients.map((c) => c.call('DEBUG', 'SLEEP', PAUSE_S))).finally(() => clients.forEach((c) => c.disconnect()));
  const asleep = (port: number) => Promise.race([ask(port, 'PING'), sleep(100).then(() => 'asleep')]);
  await until('the replicas asleep', async () => (await Promise.all(REPLICAS.map(asleep))).every((r) => r === 'asleep'), 5000, 10);
  return { asleepAt: Date.now(), wakeAt: sentAt + PAUSE_S * 1000, awake };
}

describe('chaos: Redis Sentinel failover with REDIS_MIN_REPLICAS_ACK=1', () => {
  let dir: string;
  const servers: Server[] = [];
  let api: Proc | undefined;
  let worker: Proc | undefined;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classbell-chaos-sentinel-'));
    servers.push(startRedis(PRIMARY, dir), ...REPLICAS.map((port) => startRedis(port, dir, PRIMARY)));
    await until('both replicas online', async () => (await onlineReplicas(PRIMARY)) === 2, 20_000);
    servers.push(...SENTINELS.map((port) => startSentinel(port, dir, PRIMARY)));
    await until('the Sentinels to know each other and the replicas', async () => (await Promise.all(SENTINELS.map(sentinelReady))).every(Boolean), 30_000);
  });
  afterAll(async () => {
    await Promise.all([api, worker].map((p) => (p ? stop(p, 5000) : undefined)));
    await Promise.all(servers.map((s) => s.kill()));
    await Promise.all(receivers.map((r) => r.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every accepted event in order through a failover; no 202 while the replicas sleep', async () => {
    const apiPort = await freePort();
    const base = `http://127.0.0.1:${apiPort}`;
    // REDIS_URL names a port nothing listens on: every connection must come through the Sentinels.
    // Every delivery setting at its default: only the Sentinel ones are set.
    const env = classbellEnv('cbsentinel', 'redis://127.0.0.1:16399', {
      PORT: String(apiPort), REDIS_CLUSTER_NODES: '', REDIS_SENTINELS: SENTINELS.map((p) => `127.0.0.1:${p}`).join(','), REDIS_MIN_REPLICAS_ACK: '1', LOG_LEVEL: 'warn',
    });
    api = spawnClassbell('api', env);
    worker = spawnClassbell('worker', env);
    const sids = Array.from({ length: SCHOOLS }, (_, k) => 9500 + k);
    const { auth } = await appWithSchools(base, sids, receivers);

    // One lane per school, paced at LANE_INTERVAL_MS, events numbered in order (uid = seq); a
    // non-202 is retried with the same ids.
    const posts: Post[] = [];
    let posting = true;
    const postingFrom = Date.now();
    const lanes = sids.map(async (sid) => {
      for (let round = 1; posting; round++) {
        const seqs = Array.from({ length: EVENTS_PER_POST }, (_, i) => (round - 1) * EVENTS_PER_POST + i + 1);
        const events = seqs.map((seq) => ({ id: `sf-${sid}-${seq}`, type: 'stage', sid, classId: 1, uid: seq, up: true }));
        for (;;) {
          const res = await call(base, 'POST', '/v1/events', auth, { events });
          posts.push({ ...res, sid, ids: events.map((e) => e.id) });
          if (res.status === 202 || !posting) break;
          await sleep(RETRY_AFTER_MS);
        }
        await sleep(Math.max(0, postingFrom + round * LANE_INTERVAL_MS - Date.now()));
      }
    });

    await sleep(3000);
    const warmRate = posts.filter((p) => p.status === 202).length * EVENTS_PER_POST / ((Date.now() - postingFrom) / 1000);
    const { asleepAt, wakeAt, awake } = await pauseReplicas();
    await awake;
    const wokeAt = Date.now();
    const duringPause = posts.filter((p) => p.startedAt >= asleepAt && p.startedAt + p.ms <= wakeAt);
    await until('a 202 after the replicas woke', () => posts.some((p) => p.startedAt >= wokeAt && p.status === 202), 20_000, 50);
    await sleep(3000);

    const killedAt = Date.now();
    await servers[0]!.kill();
    const recoveredLane = (sid: number) => posts.find((p) => p.sid === sid && p.startedAt >= killedAt && p.status === 202);
    await until('every lane posting again', () => sids.every(recoveredLane), 60_000, 100).catch(async (error: unknown) => {
      console.log('sentinel views:', JSON.stringify(await Promise.all(SENTINELS.map((port) => ask(port, 'SENTINEL', 'master', 'mymaster')))));
      console.log('replication:', JSON.stringify(await Promise.all(REPLICAS.map((port) => ask(port, 'INFO', 'replication')))));
      console.log('api output:', api?.output().slice(-3000));
      throw error;
    });
    const recoveryMs = Math.max(...sids.map((sid) => { const p = recoveredLane(sid)!; return p.startedAt + p.ms - killedAt; }));
    const newPrimary = await primaryPortOf(SENTINELS[0]!);
    await sleep(3000);
    posting = false;
    await Promise.all(lanes);

    const accepted = new Set(posts.filter((p) => p.status === 202).flatMap((p) => p.ids));
    const lost = await undelivered(receivers, accepted, 90_000);
    const { backwards, duplicates } = pushOrder(receivers);
    const afterKill = posts.filter((p) => p.startedAt >= killedAt && p.status !== 202);
    // From the first refused post after the kill to the end of the last one.
    const unavailableS = afterKill.length === 0 ? 0 : (Math.max(...afterKill.map((p) => p.startedAt + p.ms)) - Math.min(...afterKill.map((p) => p.startedAt))) / 1000;
    const byStatus = (list: Call[]) => list.reduce<Record<number, number>>((acc, p) => ({ ...acc, [p.status]: (acc[p.status] ?? 0) + 1 }), {});

    console.log(
      `chaos redis-sentinel: ${posts.length} posts of ${EVENTS_PER_POST} events (${warmRate.toFixed(0)} events/s accepted before the pause), ` +
      `${accepted.size} events accepted (202), ${lost.length} lost, ${duplicates} duplicate pushes, ${backwards.length} order violations; ` +
      `replicas asleep ${PAUSE_S} s: ${duringPause.length} posts ${JSON.stringify(byStatus(duringPause))}, slowest ${Math.max(0, ...duringPause.map((p) => p.ms))} ms; ` +
      `after the SIGKILL: ${afterKill.length} non-202 answers ${JSON.stringify(byStatus(afterKill))}, 503s for ${unavailableS.toFixed(1)} s, ` +
      `every lane posting again ${recoveryMs} ms after the kill (primary now :${newPrimary}); all posts ${JSON.stringify(byStatus(posts))}`,
    );
    if (lost.length > 0) console.log('lost:', lost.join(' '), '\nworker output:', worker.output().slice(-5000));

    expect(newPrimary).not.toBe(PRIMARY);
    expect(lost).toEqual([]);
    expect(backwards).toEqual([]);
    expect(accepted.size).toBeGreaterThan(2000);
    expect(duringPause.length).toBeGreaterThanOrEqual(5);
    expect(duringPause.filter((p) => p.status === 202)).toEqual([]);
    expect(duringPause.every((p) => p.status === 503)).toBe(true);
    expect(recoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);
    expect(posts.filter((p) => p.status !== 202 && p.status !== 503)).toEqual([]);
    expect(api.alive() && worker.alive()).toBe(true);
  }, 300_000);
});
