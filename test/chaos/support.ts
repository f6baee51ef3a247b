/** Shared pieces of the chaos suite: classbell and redis-server as child processes, ports, memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { ADMIN_TOKEN } from '../helpers/harness.js';
import { ACK, Receiver } from '../helpers/receiver.js';

export interface Proc {
  child: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote (stdout and stderr), capped at the last 2 MB. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

function track(child: ChildProcess): Proc {
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  if (child.pid === undefined) throw new Error('could not spawn the process');
  const pid = child.pid;
  return { child, pid, output: () => out, exited, alive: () => child.exitCode === null && child.signalCode === null };
}

/** The environment of a classbell child: test mode, private endpoints allowed, no metrics port. */
export function classbellEnv(keyPrefix: string, redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test', REDIS_URL: redisUrl, ...(process.env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES } : {}), ADMIN_TOKEN, KEY_PREFIX: keyPrefix, ALLOW_PRIVATE_ENDPOINTS: 'true',
    LOG_LEVEL: 'error', METRICS_PORT: '0', ...extra,
  };
}

/**
 * `node scripts/start.mjs --role=<role>` (what `npm run start:api` / `start:worker` run) with `env`
 * on top of this process's environment.
 */
export function spawnClassbell(role: 'api' | 'worker', env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['scripts/start.mjs', `--role=${role}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

/** SIGKILL, resolved once the process is gone. */
export function killHard(proc: Proc): Promise<void> {
  if (!proc.alive()) return Promise.resolve();
  proc.child.kill('SIGKILL');
  return proc.exited.then(() => undefined);
}

/** SIGTERM (graceful stop), then SIGKILL after graceMs. */
export async function stop(proc: Proc, graceMs = 10_000): Promise<void> {
  if (!proc.alive()) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A private redis-server on loopback: AOF with fsync on every write, data under `dir`. */
export function spawnRedis(port: number, dir: string): Proc {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child);
}

/** Peak and current resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { peakMb: number; rssMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a truthy value, or throws after timeoutMs naming `what`. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Call {
  status: number; // 0: no HTTP answer at all (connection error or our 15 s abort)
  ms: number;
  startedAt: number;
  body: unknown;
}

/** One HTTP request to classbell, timed; never throws (a failure is status 0). */
export async function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Call> {
  const startedAt = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method, headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, ms: Date.now() - startedAt, startedAt, body: parsed };
  } catch (error) {
    return { status: 0, ms: Date.now() - startedAt, startedAt, body: String(error) };
  }
}

/**
 * Waits for the API at `base`, registers an app serving every school and one school per sid with
 * its own acknowledging loopback receiver (added to `receivers` as each starts, so the caller
 * stops them even after a failure), and waits until every school is active.
 */
export async function appWithSchools(base: string, sids: number[], receivers: Receiver[]): Promise<{ admin: Record<string, string>; auth: Record<string, string> }> {
  await until('the API ready', async () => (await call(base, 'GET', '/readyz', {})).status === 200, 30_000);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const created = await call(base, 'POST', '/v1/apps', admin, { name: 'chaos', sids: '*' });
  if (created.status !== 201) throw new Error(`POST /v1/apps answered ${created.status}`);
  const { appId, appSecret } = created.body as { appId: string; appSecret: string };
  const auth = { authorization: `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}` };
  for (const sid of sids) {
    const receiver = await new Receiver().start();
    receiver.reply = () => ({ body: ACK, delayMs: 2 });
    receivers.push(receiver);
    const school = await call(base, 'POST', '/v1/schools', admin, { sid, name: `school ${sid}`, endpointUrl: receiver.url });
    if (school.status !== 201) throw new Error(`POST /v1/schools (${sid}) answered ${school.status}`);
  }
  await until('schools active', async () => {
    const items = ((await call(base, 'GET', '/v1/schools', admin)).body as { items?: { status: string }[] }).items ?? [];
    return items.length === sids.length && items.every((s) => s.status === 'active');
  }, 30_000);
  return { admin, auth };
}

/** Waits (up to timeoutMs) until every id has reached one of the receivers; returns those that did not. */
export async function undelivered(receivers: Receiver[], ids: Iterable<string>, timeoutMs: number): Promise<string[]> {
  const wanted = [...ids];
  const missing = () => {
    const got = new Set(receivers.flatMap((r) => r.events().map((p) => p.body._id as string)));
    return wanted.filter((id) => !got.has(id));
  };
  await until('every accepted event delivered', () => missing().length === 0, timeoutMs, 500).catch(() => undefined);
  return missing();
}

/** Per receiver (one school each, events numbered by UID): each UID that went backwards, and repeated pushes. */
export function pushOrder(receivers: Receiver[]): { backwards: string[]; duplicates: number } {
  const backwards: string[] = [];
  let duplicates = 0;
  for (const receiver of receivers) {
    const pushes = receiver.events();
    const uids = pushes.map((p) => p.body.UID as number);
    uids.forEach((uid, i) => {
      if (i > 0 && uid < uids[i - 1]!) backwards.push(`${receiver.url}: UID ${uid} after ${uids[i - 1]}`);
    });
    duplicates += pushes.length - new Set(pushes.map((p) => p.body._id as string)).size;
  }
  return { backwards, duplicates };
}
