import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Arrivals, ReceiverReady, ReceiverReply, ReceiverRequest, ReceiverStats } from './receiver-protocol.js';

type Op = ReceiverRequest extends infer R ? (R extends { op: infer O } ? O : never) : never;
type Payload<O extends Op> = Omit<Extract<ReceiverRequest, { op: O }>, 'id' | 'op'>;

const CHILD = fileURLToPath(new URL('../receiver-process.ts', import.meta.url));

/** The receiver child process seen from the bench: its URLs and its IPC calls. */
export class ReceiverProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ReceiverReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: ReceiverReply) => {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
    });
  }

  /** Spawns the child (`node --import tsx`) and waits until it listens. */
  static async start(): Promise<ReceiverProcess> {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('receiver process did not start within 20 s')), 20_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`receiver process exited early (code ${code})`)));
      child.once('message', (message: ReceiverReady) => {
        clearTimeout(timer);
        resolve(message.port);
      });
    });
    child.removeAllListeners('exit');
    return new ReceiverProcess(child, port);
  }

  /** The child's process id (for its CPU time). */
  get pid(): number {
    return this.child.pid ?? NaN;
  }

  /** The endpoint of one school. */
  url(sid: number): string {
    return `http://127.0.0.1:${this.port}/s/${sid}`;
  }

  /** Acknowledges without recording anything. */
  get sinkUrl(): string {
    return `http://127.0.0.1:${this.port}/sink`;
  }

  private call<O extends Op>(op: O, payload: Payload<O>): Promise<ReceiverReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.ok ? resolve(reply) : reject(new Error(`receiver: ${reply.error}`))));
      this.child.send({ id, op, ...payload } as ReceiverRequest);
    });
  }

  async reset(): Promise<void> {
    await this.call('reset', {});
  }

  /** Waits until `count` event pushes were acknowledged since the last reset; `reached` is false on timeout. */
  async waitFor(count: number, timeoutMs: number): Promise<{ reached: boolean; stats: ReceiverStats }> {
    const reply = await this.call('waitFor', { count, timeoutMs });
    if (!('stats' in reply)) throw new Error('receiver: no stats in reply');
    return { reached: reply.reached === true, stats: reply.stats };
  }

  async stats(): Promise<ReceiverStats> {
    const reply = await this.call('stats', {});
    if (!('stats' in reply)) throw new Error('receiver: no stats in reply');
    return reply.stats;
  }

  async arrivals(): Promise<Arrivals> {
    const reply = await this.call('arrivals', {});
    if (!('arrivals' in reply)) throw new Error('receiver: no arrivals in reply');
    return reply.arrivals;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await this.call('close', {}).catch(() => undefined);
    await exited;
  }
}
