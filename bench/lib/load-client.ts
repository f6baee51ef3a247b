import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LanesResult, LoadJob, LoadReply, LoadResult, PacedJob, PacedResult, PrepareLanesJob } from './load-protocol.js';

const CHILD = fileURLToPath(new URL('../load-process.ts', import.meta.url));

/** The load generator child seen from the bench. */
export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: LoadReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: LoadReply) => {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
    });
  }

  static async start(): Promise<LoadGenerator> {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator did not start within 20 s')), 20_000);
      child.once('error', reject);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new LoadGenerator(child);
  }

  private call(message: Omit<LoadJob, 'id'> | Omit<PrepareLanesJob, 'id'> | Omit<PacedJob, 'id'> | { op: 'run-lanes' } | { op: 'close' }): Promise<LoadReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => (r.ok ? resolve(r) : reject(new Error(`load generator: ${r.error}`))));
      this.child.send({ id, ...message });
    });
  }

  async run(job: Omit<LoadJob, 'id' | 'op'>): Promise<LoadResult> {
    const reply = await this.call({ op: 'run', ...job });
    if (!reply.ok || !reply.result) throw new Error('load generator: no result');
    return reply.result;
  }

  /**
   * Posts a flood from this process: `lanes` of request bodies, each lane one request after
   * another, every lane at once. The bodies and connections are set up first, untimed.
   */
  async lanes(url: string, headers: Record<string, string>, lanes: string[][], expectStatus = 202): Promise<LanesResult> {
    await this.call({ op: 'prepare-lanes', url, headers, lanes, expectStatus });
    const reply = await this.call({ op: 'run-lanes' });
    if (!reply.ok || !reply.lanes) throw new Error('load generator: no lanes result');
    if (reply.lanes.failed > 0) throw new Error(`load generator: ${reply.lanes.failed} of ${reply.lanes.requests} posts failed (${reply.lanes.firstFailure})`);
    return reply.lanes;
  }

  /** Posts `bodies` at a steady rate from this process (see PacedJob); per request: sent, answered, accepted id. */
  async paced(job: Omit<PacedJob, 'id' | 'op'>): Promise<PacedResult> {
    const reply = await this.call({ op: 'paced', ...job });
    if (!reply.ok || !reply.paced) throw new Error('load generator: no paced result');
    return reply.paced;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await this.call({ op: 'close' }).catch(() => undefined);
    await exited;
  }
}
