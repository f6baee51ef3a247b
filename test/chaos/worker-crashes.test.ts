/**
 * Worker crashes (issue 6, point 1): 20,000 events over 50 schools while one of three worker
 * processes is SIGKILLed every 2 s and restarted. Every event must be acknowledged, no school may
 * ever see its events out of order, and every repeated push must be the same event (`_id`) again.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK, Receiver } from '../helpers/receiver.js';
import { REDIS_URL, admin, createApp, createHarness, createSchool, type Harness } from '../helpers/harness.js';
import { classbellEnv, killHard, memoryOf, sleep, spawnClassbell, until, type Proc } from './support.js';

const SCHOOLS = 50;
const PER_SCHOOL = 400;
const TOTAL = SCHOOLS * PER_SCHOOL; // 20,000
const WORKERS = 3;
const KILL_EVERY_MS = 2000;
/** Pause between ingest rounds: 40 rounds × 600 ms ≈ 24 s of ingest, so ≥ 12 kills overlap it. */
const INGEST_PAUSE_MS = 600;
/** The kills stop after this long even if events are still in flight; the rest must then arrive. */
const KILL_PHASE_CAP_MS = 90_000;
const BATCH_PER_SCHOOL = 10; // 50 schools × 10 = 500 events per POST, the API's batch limit

interface School {
  sid: number;
  receiver: Receiver;
  /** Whether the receiver acknowledged push number i (index into receiver.pushes). */
  acked: boolean[];
  /** Event ids in the order the API accepted them (uid n is accepted[n - 1]). */
  accepted: string[];
}

describe('chaos: worker processes SIGKILLed every 2 s', () => {
  let h: Harness;
  const schools: School[] = [];
  const workers: Proc[] = [];
  const dead: Proc[] = [];

  beforeAll(async () => {
    h = await createHarness('chaoscrash', { workers: false });
  });
  afterAll(async () => {
    await Promise.all([...workers, ...dead].map(killHard));
    await h?.close();
    await Promise.all(schools.map((s) => s.receiver.stop()));
  });

  it('acknowledges every event, never reorders a school, and repeats only the same _id', async () => {
    const started = Date.now();
    const { auth } = await createApp(h.app);
    for (let k = 0; k < SCHOOLS; k++) {
      const sid = 9100 + k;
      const school: School = { sid, receiver: await new Receiver().start(), acked: [], accepted: [] };
      // Every tenth school fails some pushes (HTTP 500): head-of-line retries mixed into the crashes.
      const flaky = k % 10 === 0;
      school.receiver.reply = (p, i) => {
        const fail = flaky && p.body.Cmd !== 'Test' && i % 23 === 7;
        school.acked[i] = !fail;
        return fail ? { status: 500, body: 'try again later' } : { body: ACK };
      };
      schools.push(school);
      await createSchool(h.app, sid, school.receiver.url);
    }

    const env = classbellEnv(h.prefix, REDIS_URL, { RETRY_SCHEDULE: '50ms,100ms', DELIVERY_TIMEOUT_MS: '2000', JOB_LOCK_MS: '2000', WORKER_CONCURRENCY: '50' });
    for (let i = 0; i < WORKERS; i++) workers.push(spawnClassbell('worker', env));
    await until('all 50 schools active', async () => {
      const res = await request(h.app).get('/v1/schools').set(admin);
      const items = res.body.items as { status: string }[];
      return items.length === SCHOOLS && items.every((s) => s.status === 'active');
    }, 60_000);

    const delivered = async () => {
      const counts = await Promise.all(schools.map(async (s) => (await request(h.app).get(`/v1/schools/${s.sid}/stats`).set(admin)).body.delivered as number));
      return counts.reduce((a, b) => a + b, 0);
    };

    // Ingest in the background, 500 events per request, while the kills go on.
    const ingest = (async () => {
      for (let round = 0; round < PER_SCHOOL / BATCH_PER_SCHOOL; round++) {
        const events = schools.flatMap((s) => Array.from({ length: BATCH_PER_SCHOOL }, (_, j) => ({
          type: 'stage', sid: s.sid, classId: 1, uid: round * BATCH_PER_SCHOOL + j + 1, up: true,
        })));
        const res = await request(h.app).post('/v1/events').set(auth).send({ events });
        if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
        const accepted = res.body.accepted as string[];
        expect(accepted).toHaveLength(events.length);
        // `accepted` follows the request's order: split it back per school.
        schools.forEach((s, k) => s.accepted.push(...accepted.slice(k * BATCH_PER_SCHOOL, (k + 1) * BATCH_PER_SCHOOL)));
        // Paced, so the crashes overlap the whole ingest (≥ 10 kills however fast delivery is).
        await sleep(INGEST_PAUSE_MS);
      }
    })();

    let kills = 0;
    let maxWorkerRssMb = 0;
    let deliveredAtKillStop = 0;
    const killPhaseStart = Date.now();
    let ingestDone = false;
    void ingest.then(() => (ingestDone = true), () => (ingestDone = true));
    for (;;) {
      await sleep(KILL_EVERY_MS);
      for (const w of workers) maxWorkerRssMb = Math.max(maxWorkerRssMb, memoryOf(w.pid)?.peakMb ?? 0);
      const victim = workers.shift()!;
      await killHard(victim);
      dead.push(victim);
      kills++;
      workers.push(spawnClassbell('worker', env));
      if (ingestDone) {
        deliveredAtKillStop = await delivered();
        if (deliveredAtKillStop === TOTAL || Date.now() - killPhaseStart > KILL_PHASE_CAP_MS) break;
      }
    }
    await ingest;
    const killPhaseMs = Date.now() - killPhaseStart;
    // Whatever the kills left in flight (a stalled job, a job lost between two writes) must still arrive.
    await until('every event acknowledged', async () => (await delivered()) === TOTAL, 120_000, 1000);
    const wallMs = Date.now() - started;

    let pushes = 0;
    let retriesAfterFailure = 0;
    let redeliveriesAfterAck = 0;
    for (const s of schools) {
      const events = s.receiver.pushes.map((p, i) => ({ p, acked: s.acked[i] === true })).filter((x) => x.p.body.Cmd !== 'Test');
      pushes += events.length;
      const uids = events.map((x) => x.p.body.UID as number);
      // Never backwards: after a crash or a failure only the unacknowledged head comes again.
      const backwards = uids.findIndex((u, i) => i > 0 && u < uids[i - 1]!);
      expect(backwards, `school ${s.sid}: UID ${uids[backwards]} after ${uids[backwards - 1]}`).toBe(-1);
      // First-seen order of _id is exactly the order the API accepted the events in.
      const firstSeen = [...new Set(events.map((x) => x.p.body._id as string))];
      expect(firstSeen).toEqual(s.accepted);
      // A repeat is the same event: same _id for the same UID, and it follows its original directly.
      const ackedIds = new Set<string>();
      const pushedIds = new Set<string>();
      events.forEach(({ p, acked }, i) => {
        const id = p.body._id as string;
        expect(id).toBe(s.accepted[(p.body.UID as number) - 1]);
        if (pushedIds.has(id)) {
          expect(events[i - 1]!.p.body._id, `school ${s.sid}: a repeat of ${id} must follow its original`).toBe(id);
          if (ackedIds.has(id)) redeliveriesAfterAck++;
          else retriesAfterFailure++;
        }
        pushedIds.add(id);
        if (acked) ackedIds.add(id);
      });
    }
    for (const w of workers) maxWorkerRssMb = Math.max(maxWorkerRssMb, memoryOf(w.pid)?.peakMb ?? 0);
    const duplicates = pushes - TOTAL;
    expect(duplicates).toBe(retriesAfterFailure + redeliveriesAfterAck);
    expect(kills).toBeGreaterThanOrEqual(10);
    console.log(
      `chaos worker-crashes: ${TOTAL} events, ${SCHOOLS} schools, ${WORKERS} worker processes, ${kills} SIGKILLs (every ${KILL_EVERY_MS / 1000} s for ${(killPhaseMs / 1000).toFixed(1)} s, ` +
      `${deliveredAtKillStop} delivered when the kills stopped), ${pushes} pushes, ${duplicates} duplicates ` +
      `(${redeliveriesAfterAck} redeliveries of an acknowledged event after a crash, ${retriesAfterFailure} retries after an HTTP 500), ` +
      `0 order violations, max worker RSS ${maxWorkerRssMb.toFixed(0)} MB, wall time ${(wallMs / 1000).toFixed(1)} s`,
    );
  }, 420_000);
});
