import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';
import { Receiver } from '../helpers/receiver.js';
import { RECEIVER_EXAMPLE, runCli, start, type Child } from './cli-helpers.js';

const SECRET = 'kit-secret-0123456789abcdef';
const SID = 257;

/** Starts examples/receiver/server.js on an ephemeral port; resolves once it listens. */
async function startExample(sid = SID, secret = SECRET): Promise<{ child: Child; url: string }> {
  const child = start(RECEIVER_EXAMPLE, [], { CLASSIN_SECRET: secret, SID: String(sid), PORT: '0', HOST: '127.0.0.1' });
  const url = await waitFor('the example receiver listening', () => /listening on (\S+)/.exec(child.stdout)?.[1], 10_000);
  return { child, url };
}

async function stopExample(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  await child.exited;
}

/** The ✓/✗ report lines of check-receiver. */
const points = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('✓') || l.startsWith('✗'));

describe('check-receiver', () => {
  let example: { child: Child; url: string };
  beforeAll(async () => {
    example = await startExample();
  });
  afterAll(async () => {
    await stopExample(example.child);
  });

  it('passes every point against the example receiver', async () => {
    const result = await runCli(['check-receiver', example.url, '--sid', String(SID), '--secret', SECRET]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = points(result.stdout);
    expect(lines.filter((l) => l.startsWith('✗'))).toEqual([]);
    expect(lines).toHaveLength(16);
    for (const expected of [
      /^✓ registration test push \(Cmd "Test"\) acknowledged — HTTP 200, errno 1$/,
      /^✓ enter \(Cmd 67371107\) acknowledged/,
      /^✓ network \(Cmd "Net"\) acknowledged/,
      /^✓ file_converted \(Cmd "FileCov"\) acknowledged/,
      /^✓ repeated _id chk_\w+ \(pushed again after its acknowledgement\) acknowledged/,
      /^✓ retried event chk_\w+ .* acknowledged/,
      /^✓ push with a wrong SafeKey not acknowledged — refused \(HTTP 401, errno 4, rejected\)$/,
      /^✓ push with a wrong webhook-signature not acknowledged — refused \(HTTP 401, errno 5, rejected\)$/,
      /^✓ push with a stale TimeStamp \(10 minutes old\) not acknowledged — refused \(HTTP 401, errno 3, rejected\)$/,
    ]) expect(lines.some((l) => expected.test(l)), String(expected)).toBe(true);
    expect(result.stdout).toContain('all 16 points passed');
    // The receiver processed the repeat and the retry once each, and refused the forgeries.
    const repeated = /repeated _id (chk_\w+)/.exec(result.stdout)?.[1];
    expect(example.child.stdout).toContain(`duplicate ${repeated} acknowledged, not processed again`);
    expect(example.child.stdout.split('\n').filter((l) => l.includes(`event ${repeated} `))).toHaveLength(1);
    expect(example.child.stdout).toMatch(/refused chk_badsafekey_\w+: SafeKey mismatch/);
    expect(example.child.stdout).toMatch(/refused chk_badsig_\w+: webhook-signature mismatch/);
  });

  it('fails the signature points, with exit code 1, against a receiver that acknowledges everything', async () => {
    const naive = await new Receiver().start();
    try {
      const result = await runCli(['check-receiver', naive.url, '--sid', String(SID), '--secret', SECRET]);
      expect(result.code).toBe(1);
      const failed = points(result.stdout).filter((l) => l.startsWith('✗'));
      expect(failed).toEqual([
        expect.stringMatching(/^✗ push with a wrong SafeKey not acknowledged — acknowledged \(HTTP 200, errno 1\): the endpoint does not check SafeKey/),
        expect.stringMatching(/^✗ push with a wrong webhook-signature not acknowledged — acknowledged \(HTTP 200, errno 1\): the endpoint does not check webhook-signature/),
        expect.stringMatching(/^✗ push with a stale TimeStamp .* acknowledged \(HTTP 200, errno 1\)/),
      ]);
      expect(result.stdout).toContain('3 of 16 points failed');
      // It received exactly the ClassIn bodies classbell would send.
      const test = naive.pushes[0]!;
      expect(Object.keys(test.body)).toEqual(['SID', 'Cmd', 'Msg', 'SafeKey', 'TimeStamp']);
      expect(test.headers['webhook-id']).toMatch(/^test_[0-9a-f]{12}$/);
      const enter = naive.pushes[1]!;
      expect(enter.raw).toMatch(/^\{"SID":257,"Cmd":67371107,"ClassID":\d+,"CourseID":18041431,"ActionTime":\d+,"UID":1002647,"NickName":"check-receiver","Identity":1,"Device":3,"ClientID":0,"_id":"chk_\w+","TimeStamp":\d+,"SafeKey":"[0-9a-f]{32}"\}$/);
    } finally {
      await naive.stop();
    }
  });

  it('marks refusals as meaningless when the endpoint refuses genuine pushes too (wrong secret)', async () => {
    const result = await runCli(['check-receiver', example.url, '--sid', String(SID), '--secret', 'not-the-secret-at-all']);
    expect(result.code).toBe(1);
    const lines = points(result.stdout);
    expect(lines[0]).toMatch(/^✗ registration test push .* HTTP 401, errno 4, rejected: the endpoint must answer/);
    expect(lines.filter((l) => l.startsWith('✓'))).toEqual([]);
    expect(result.stdout).toMatch(/✗ push with a wrong SafeKey not acknowledged — refused .* but so was every genuine push/);
  });

  it('reports an unreachable endpoint and usage errors', async () => {
    const closed = new Receiver();
    await closed.start();
    const closedUrl = closed.url;
    await closed.stop();
    const unreachable = await runCli(['check-receiver', closedUrl, '--sid', '257', '--secret', SECRET]);
    expect(unreachable.code).toBe(1);
    expect(points(unreachable.stdout)[0]).toMatch(/^✗ registration test push .* — network error: .*ECONNREFUSED/);

    const usage = await runCli(['check-receiver', '--sid', '257', '--secret', SECRET]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give exactly one endpoint URL');
    const noSecret = await runCli(['check-receiver', example.url, '--sid', '257'], { SCHOOL_SECRET: undefined });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('--secret is required');
  });
});

describe('the example receiver with classbell itself', () => {
  let h: Harness;
  let example: { child: Child; url: string };
  beforeAll(async () => {
    h = await createHarness('receiverkit');
    example = await startExample(SID, SECRET);
  });
  afterAll(async () => {
    await stopExample(example.child);
    await h.close();
  });

  it('acknowledges the registration test push and every event, in order', async () => {
    await createSchool(h.app, SID, example.url, { secret: SECRET });
    await waitFor('school active', async () => (await h.deps.schools.get(SID))?.status === 'active');
    const { auth } = await createApp(h.app, [SID]);
    const events = Array.from({ length: 5 }, (_, i) => handsUp(SID, i));
    const res = await request(h.app).post('/v1/events').set(auth).send({ events }).expect(202);
    const ids = (res.body as { accepted: string[] }).accepted;
    await waitFor('all delivered', async () => (await h.deps.deliveries.stats(SID)).delivered === 5);
    const processed = example.child.stdout.split('\n').flatMap((l) => /event (\S+) Cmd/.exec(l)?.[1] ?? []);
    expect(processed).toEqual(ids);
    expect(example.child.stdout).toContain(`registration test push for SID ${SID} acknowledged`);

    // A redelivery is acknowledged (errno 1) without being processed twice.
    await request(h.app).post(`/v1/events/${ids[0]}/redeliver`).set(admin).expect((r) => expect(r.status).toBeLessThan(300));
    await waitFor('redelivered', async () => (await h.deps.deliveries.stats(SID)).delivered === 6);
    expect(example.child.stdout).toContain(`duplicate ${ids[0]} acknowledged, not processed again`);
  });
});
