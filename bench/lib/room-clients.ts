import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EnterJob, EnterResult, FanoutJob, FanoutResult, OpenJob, OpenResult, RoomClientsReply } from './room-protocol.js';

const CHILD = fileURLToPath(new URL('../room-clients-process.ts', import.meta.url));

type Job = Omit<EnterJob, 'id'> | Omit<OpenJob, 'id'> | Omit<FanoutJob, 'id'> | { op: 'close' };

/** The rooms scenario's client child seen from the bench. */
export class RoomClients {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: RoomClientsReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: RoomClientsReply) => {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
    });
  }

  static async start(): Promise<RoomClients> {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('room clients did not start within 20 s')), 20_000);
      child.once('error', reject);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new RoomClients(child);
  }

  private call(job: Job): Promise<RoomClientsReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => (r.ok ? resolve(r) : reject(new Error(`room clients: ${r.error}`))));
      this.child.send({ id, ...job });
    });
  }

  async enter(job: Omit<EnterJob, 'id' | 'op'>): Promise<EnterResult> {
    const reply = await this.call({ op: 'enter', ...job });
    if (!('enter' in reply)) throw new Error('room clients: no entry result');
    return reply.enter;
  }

  async open(job: Omit<OpenJob, 'id' | 'op'>): Promise<OpenResult> {
    const reply = await this.call({ op: 'open', ...job });
    if (!('open' in reply)) throw new Error('room clients: no open result');
    return reply.open;
  }

  async fanout(job: Omit<FanoutJob, 'id' | 'op'>): Promise<FanoutResult> {
    const reply = await this.call({ op: 'fanout', ...job });
    if (!('fanout' in reply)) throw new Error('room clients: no fanout result');
    return reply.fanout;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await this.call({ op: 'close' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
