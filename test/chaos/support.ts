/** Shared pieces of the chaos suite: classbell and redis-server as child processes, ports, memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { ADMIN_TOKEN } from '../helpers/harness.js';

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
