/**
 * classbell itself (`node --import tsx src/main.ts --role=api|worker|all`, or as users start it,
 * `node scripts/start.mjs [--role=…]`) in a child process, so a load generator's CPU, or the
 * bench's own, is not charged to it, and its RSS is its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { ADMIN_TOKEN, benchEnv, type EnvOverrides } from './classbell.js';
import { REDIS_URL } from './redis-util.js';
import { summarize, type SelfTime } from './profile.js';
import { sleep } from './workload.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port that was free a moment ago (listen on 0, read it, close). Also a port that refuses connections. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resident set size of a process in bytes (Linux /proc), NaN when unreadable. */
export async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export type Role = 'api' | 'worker' | 'all';

export interface StartOptions {
  /** A worker is taken as ready once it ran this long without exiting (3 s). */
  settleMs?: number;
  cpuProfileDir?: string;
  /**
   * Start it as users do: `node scripts/start.mjs` (the compiled modules; `--role=…` only for api
   * and worker, as `npm start` passes none) instead of `node --import tsx src/main.ts --role=…`.
   */
  startScript?: boolean;
  /**
   * classbell's own defaults, as `npm start` runs it (NODE_ENV=development, LOG_LEVEL, the ingest
   * limit, the tuning defaults), not the bench's environment: only KEY_PREFIX, PORT, REDIS_URL,
   * ADMIN_TOKEN, ALLOW_PRIVATE_ENDPOINTS (the receivers are on loopback) and METRICS_PORT=0 for a
   * worker are set, then `overrides`.
   */
  defaults?: boolean;
}

/** The environment of a child started with classbell's defaults (see StartOptions.defaults). */
function defaultsEnv(prefix: string, role: Role, overrides: EnvOverrides): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH, HOME: process.env.HOME,
    NODE_ENV: 'development', REDIS_URL, KEY_PREFIX: prefix, ADMIN_TOKEN, ALLOW_PRIVATE_ENDPOINTS: 'true',
    ...(role === 'worker' ? { METRICS_PORT: '0' } : {}),
    ...overrides,
  };
}

export class ClassbellProcess {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly role: Role,
    readonly port: number,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts classbell with the bench's environment for `prefix`; resolves once the API answers
   * /healthz (api) or once the process has run `settleMs` without exiting (worker).
   */
  static async start(role: Role, prefix: string, overrides: EnvOverrides = {}, options: StartOptions = {}): Promise<ClassbellProcess> {
    const settleMs = options.settleMs ?? 3000;
    const profileArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, '--cpu-prof-interval=200'] : [];
    const port = role === 'worker' ? 0 : await freePort();
    const env: Record<string, string> = {};
    const base = options.defaults ? defaultsEnv(prefix, role, overrides) : { ...process.env, ...benchEnv(prefix, overrides), METRICS_PORT: '0' };
    for (const [k, v] of Object.entries({ ...base, PORT: String(port) })) {
      if (v !== undefined) env[k] = v;
    }
    const main = options.startScript
      ? ['scripts/start.mjs', ...(role === 'all' ? [] : [`--role=${role}`])]
      : ['--import', 'tsx', 'src/main.ts', `--role=${role}`];
    const child = spawn(process.execPath, [...profileArgs, ...main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new ClassbellProcess(child, role, port);
    const until = Date.now() + 30_000;
    const settleAt = Date.now() + settleMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`classbell --role=${role} exited (code ${child.exitCode}): ${proc.output}`);
      if (role !== 'worker') {
        const up = await request(`${proc.origin}/healthz`).then(async (r) => {
          await r.body.dump();
          return r.statusCode === 200;
        }, () => false);
        if (up) return proc;
      } else if (Date.now() >= settleAt) {
        return proc;
      }
      if (Date.now() > until) {
        await proc.stop();
        throw new Error(`classbell --role=${role} not ready within 30 s: ${proc.output}`);
      }
      await sleep(100);
    }
  }

  /** SIGTERM (graceful stop), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A fresh directory for `node --cpu-prof` output. */
export function profileDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'classbell-prof-'));
}

/** Reads the (single) .cpuprofile a stopped child wrote to `dir`, summarises it and removes the directory. */
export async function readProfile(dir: string, top = 15): Promise<{ total: SelfTime[]; byFile: SelfTime[] } | undefined> {
  try {
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return undefined;
    return summarize(JSON.parse(await readFile(join(dir, file), 'utf8')) as Parameters<typeof summarize>[0], top);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
