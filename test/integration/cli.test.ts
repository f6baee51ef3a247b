import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createApp, createHarness, createSchool, handsUp, waitFor, type Harness } from '../helpers/harness.js';
import { Receiver } from '../helpers/receiver.js';
import { CLI, runCli, start } from './cli-helpers.js';

let h: Harness;
let server: Server;
let receiver: Receiver;
let env: Record<string, string>;
let appAuth: { Authorization: string };

beforeAll(async () => {
  h = await createHarness('cli');
  server = await new Promise<Server>((resolve) => {
    const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  env = { CLASSBELL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ADMIN_TOKEN };
  receiver = await new Receiver().start();
  appAuth = (await createApp(h.app)).auth;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await receiver.stop();
  await h.close();
});

/** A loopback URL where nothing listens (a port just released). */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const isActive = async (sid: number) => (await h.deps.schools.get(sid))?.status === 'active';

describe('classbell CLI against the HTTP API', () => {
  it('school add prints the secret and API key once; schools list shows the school', async () => {
    const add = await runCli(['school', 'add', '--sid', '257', '--name', 'Sunrise School', '--url', receiver.url, '--subscriptions', 'hands_up,enter'], env);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('school 257 "Sunrise School" registered');
    const secret = /secret:\s+(\S+)/.exec(add.stdout)?.[1];
    expect(secret).toMatch(/^[\w-]{32}$/);
    expect(add.stdout).toMatch(/apiKey:\s+sk_\S+/);
    expect(add.stdout).toContain('subscriptions: hands_up,enter');
    expect((await h.deps.schools.get(257))?.secret).toBe(secret);
    await waitFor('school 257 active', () => isActive(257));

    const list = await runCli(['schools', 'list'], env);
    expect(list.code).toBe(0);
    const [header, row] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^SID\s+STATUS\s+NAME\s+SUBSCRIPTIONS\s+ENDPOINT$/);
    expect(row).toMatch(/^257\s+active\s+Sunrise School\s+hands_up,enter\s+http:\/\/127\.0\.0\.1:\d+\/classin$/);
    const json = await runCli(['schools', 'list', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ sid: 257, status: 'active' })]);
  });

  it('prints API errors readably with exit code 1', async () => {
    const duplicate = await runCli(['school', 'add', '--sid', '257', '--name', 'again', '--url', receiver.url], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('error: school 257 already exists [school_exists, HTTP 409]');
    expect(duplicate.stderr).toMatch(/request id: \S+/);

    const invalid = await runCli(['school', 'add', '--sid', '300', '--name', 'x', '--url', 'ftp://nowhere', '--subscriptions', 'hands_up,nope'], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('[invalid_request, HTTP 400]');
    expect(invalid.stderr).toContain('  - endpointUrl: only http and https endpoints');
    expect(invalid.stderr).toMatch(/ {2}- subscriptions\[1\]: unknown type/);

    const wrongToken = await runCli(['schools', 'list'], { ...env, ADMIN_TOKEN: 'not-the-token-0123456789' });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('[unauthorized, HTTP 401]');

    const closedUrl = await closedPortUrl();
    const unreachable = await runCli(['schools', 'list'], { ...env, CLASSBELL_URL: closedUrl });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`error: cannot reach classbell at ${closedUrl}: ECONNREFUSED`);
  });

  it('answers usage errors with exit code 2 and --help with 0', async () => {
    // Independent invocations, run at once to keep the test short.
    const [missing, badTime, unknown, noToken, unknownCommand, none, help] = await Promise.all([
      runCli(['replay', '--since', '1h'], env),
      runCli(['replay', '--sid', '257', '--since', 'yesterday'], env),
      runCli(['schools', 'list', '--verbose'], env),
      runCli(['schools', 'list'], { ...env, ADMIN_TOKEN: undefined }),
      runCli(['frobnicate'], env),
      runCli([], env),
      runCli(['--help'], {}),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('classbell replay: --sid is required');
    expect(missing.stderr).toContain('Run `classbell replay --help` for usage.');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--since must be an ISO time, unix seconds or a duration ago');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--verbose'");
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('ADMIN_TOKEN is not set');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "frobnicate"');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: classbell <command>');
    expect(help.code).toBe(0);
    for (const name of ['schools list', 'school add', 'deliveries tail', 'deliveries export', 'replay', 'check-receiver']) expect(help.stdout).toContain(name);

    const commands = [['schools', 'list'], ['school', 'add'], ['deliveries', 'tail'], ['deliveries', 'export'], ['replay'], ['check-receiver']];
    const helps = await Promise.all(commands.map((args) => runCli([...args, '--help'], {})));
    helps.forEach((commandHelp, i) => {
      expect(commandHelp.code).toBe(0);
      expect(commandHelp.stdout).toContain(`Usage: classbell ${commands[i]!.join(' ')}`);
    });
  });

  it('replay requeues a range and shows progress on stderr until the backlog drains', async () => {
    const slow = await new Receiver().start();
    slow.reply = () => ({ status: 200, delayMs: 15 });
    try {
      await createSchool(h.app, 258, slow.url);
      await waitFor('school 258 active', () => isActive(258));
      const events = Array.from({ length: 40 }, (_, i) => handsUp(258, i));
      await request(h.app).post('/v1/events').set(appAuth).send({ events }).expect(202);
      await waitFor('40 delivered', () => slow.events().length === 40);
      await waitFor('backlog drained', async () => (await h.deps.deliveries.stats(258)).backlog === 0);

      const result = await runCli(['replay', '--sid', '258', '--since', '1h', '--interval-ms', '50'], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^requeued 40 events of school 258 accepted from \S+ to now$/m);
      const bars = result.stderr.split('\n').filter((line) => line.startsWith('['));
      expect(bars.length).toBeGreaterThanOrEqual(2);
      expect(bars[0]).toMatch(/^\[[#-]{30}\] +\d+% \d+\/40 {2}backlog \d+/);
      expect(bars.at(-1)).toMatch(/^\[#{30}\] 100% 40\/40 {2}backlog 0$/);
      expect(result.stderr).toMatch(/done: 40 pushed in [\d.]+ s \(40 replayed\)/);
      await waitFor('80 pushes', () => slow.events().length === 80);
      expect(slow.events().slice(40).map((p) => p.body._id)).toEqual(slow.events().slice(0, 40).map((p) => p.body._id));
    } finally {
      await slow.stop();
    }
  });

  it('replay of an empty range says so and does not wait', async () => {
    const result = await runCli(['replay', '--sid', '257', '--since', '2001-01-01T00:00:00Z', '--until', '2001-01-02T00:00:00Z'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('requeued 0 events of school 257 accepted from 2001-01-01T00:00:00.000Z to 2001-01-02T00:00:00.000Z');
    expect(result.stderr).toBe('');
  });

  it('deliveries tail shows a newly delivered event, then stops on Ctrl-C', async () => {
    await createSchool(h.app, 259, receiver.url);
    await waitFor('school 259 active', () => isActive(259));
    const first = await request(h.app).post('/v1/events').set(appAuth).send(handsUp(259, 1)).expect(202);
    const firstId = (first.body as { accepted: string[] }).accepted[0]!;
    await waitFor('first delivered', async () => (await h.deps.deliveries.getEvent(firstId))?.status === 'delivered');

    const tail = start(CLI, ['deliveries', 'tail', '--sid', '259', '--interval-ms', '100'], env);
    try {
      // The backlog is printed first: the event delivered before the tail started.
      await waitFor('initial rows', () => tail.stdout.includes(firstId));
      expect(tail.stderr).toContain('following deliveries of school 259');
      const accepted = await request(h.app).post('/v1/events').set(appAuth).send(handsUp(259, 2)).expect(202);
      const id = (accepted.body as { accepted: string[] }).accepted[0]!;
      const line = await waitFor('the new event delivered in the tail', () =>
        tail.stdout.split('\n').find((l) => l.includes(id) && / delivered +1 +delivered HTTP 200 errno 1 \d+ms$/.test(l)),
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\nstdout:\n${tail.stdout}\nstderr:\n${tail.stderr}`);
      });
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}ev_259_\w+ +hands_up +delivered +1 {2}delivered HTTP 200 errno 1 \d+ms$/);
      expect(tail.stdout.split('\n').filter((l) => l.includes(firstId))).toHaveLength(1);
    } finally {
      tail.process.kill('SIGINT');
    }
    const result = await tail.exited;
    expect(result.code).toBe(0);
  });
});
