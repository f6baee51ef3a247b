/** Runs bin/classbell.js as a child process (never spawnSync: the API under test shares this event loop). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/classbell.js', import.meta.url));
export const RECEIVER_EXAMPLE = fileURLToPath(new URL('../../examples/receiver/server.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child whose output is collected as it comes. */
export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(readonly process: ChildProcess) {
    process.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      process.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }
}

/** Starts `node <script> …args` with `env` added to this process's environment. */
export function start(script: string, args: readonly string[], env: Record<string, string | undefined> = {}): Child {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  return new Child(spawn(process.execPath, [script, ...args], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export async function runCli(args: readonly string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<CliResult> {
  const child = start(CLI, args, env);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}
