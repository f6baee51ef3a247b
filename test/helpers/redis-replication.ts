/** Private redis-servers on loopback for replication tests: a primary, replicas, Sentinels. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface Server {
  port: number;
  child: ChildProcess;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

function track(port: number, child: ChildProcess): Server {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr?.resume();
  child.stdout?.resume();
  return {
    port, child,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * An in-memory redis-server (no AOF, no snapshots) on 127.0.0.1:`port`, replicating `primaryPort`
 * if given, with `extraArgs` on its command line. DEBUG is allowed from loopback, so tests can
 * pause it (DEBUG SLEEP).
 */
export function startRedis(port: number, dir: string, primaryPort?: number, extraArgs: string[] = []): Server {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
    '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--enable-debug-command', 'local', ...extraArgs];
  if (primaryPort !== undefined) args.push('--replicaof', '127.0.0.1', String(primaryPort));
  return track(port, spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * A Sentinel watching the primary at `primaryPort` as "mymaster" (quorum 2), quick to act: down
 * after 1 s, a failover retried after 2 × 5 s. Sentinel rewrites its config file, so it gets one.
 */
export function startSentinel(port: number, dir: string, primaryPort: number): Server {
  const file = join(dir, `sentinel-${port}.conf`);
  writeFileSync(file, [
    `port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`,
    `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 2`,
    'sentinel down-after-milliseconds mymaster 1000',
    'sentinel failover-timeout mymaster 5000',
    'sentinel parallel-syncs mymaster 2',
    '',
  ].join('\n'));
  return track(port, spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A plain client of one server (no retries: a test talks to a server it knows is up). */
export function clientOf(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  client.on('error', () => undefined);
  return client;
}

/** One answer to `command` on a server, or undefined when it cannot be reached. */
export async function ask(port: number, ...command: (string | number)[]): Promise<unknown> {
  const client = clientOf(port);
  try {
    await client.connect();
    return await client.call(String(command[0]), ...command.slice(1));
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** How many replicas are online at the primary on `port` (INFO replication). */
export async function onlineReplicas(port: number): Promise<number> {
  const info = await ask(port, 'INFO', 'replication');
  if (typeof info !== 'string') return 0;
  return info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length;
}

/** The port of the primary the Sentinel on `sentinelPort` names for mymaster. */
export async function primaryPortOf(sentinelPort: number): Promise<number | undefined> {
  const reply = await ask(sentinelPort, 'SENTINEL', 'get-master-addr-by-name', 'mymaster');
  return Array.isArray(reply) ? Number(reply[1]) : undefined;
}

/** Calls of one command so far (INFO commandstats), e.g. "wait". */
export async function commandCalls(port: number, command: string): Promise<number> {
  const info = await ask(port, 'INFO', 'commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(typeof info === 'string' ? info : '');
  return Number(match?.[1] ?? 0);
}
