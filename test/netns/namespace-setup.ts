import { spawn, type ChildProcess } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { redisAnswers as answers } from '../../src/lib/redis-autostart.js';

let redis: ChildProcess | undefined;

/** The interfaces this process sees; inside `unshare -n` with lo up, only `lo`. */
export function interfaceNames(): string[] {
  return Object.keys(networkInterfaces()).sort();
}

/** Refuses to run outside a loopback-only namespace, then starts the namespace's own Redis. */
export async function setup(): Promise<void> {
  const names = interfaceNames();
  if (names.join(',') !== 'lo') throw new Error(`the SSRF suite runs only in a loopback-only network namespace (npm test starts it so); here: ${names.join(', ')}`);
  const url = process.env.REDIS_URL ?? '';
  const port = new URL(url).port;
  redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', port, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answers(url))) throw new Error(`redis-server did not start on ${url}`);
}

export function teardown(): void {
  redis?.kill('SIGTERM');
}
