/** CPU time of the processes a flood runs on, so a throughput ratio can be explained per event. */
import type { RedisClient } from '../../src/lib/redis.js';
import { readdir, readFile } from 'node:fs/promises';
import { commandDeltas, commandStats, redisCpuSeconds, redisNetBytes, type CommandDelta } from './redis-util.js';

/** utime + stime of a process, seconds (Linux /proc; USER_HZ 100). NaN when unreadable. */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** utime + stime of a process and of its children it waited for, seconds (Linux /proc). NaN when unreadable. */
async function ownAndReapedCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/** The pids of a process's live children (all its threads'). */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((text) => text.split(' ').filter((x) => x !== '').map(Number));
}

/**
 * CPU seconds of a process tree: the process (all its threads), its descendants, and the children
 * they already waited for (a launcher that forks classbell's processes is charged for them). NaN
 * when the root is unreadable.
 */
export async function treeCpuSeconds(pid: number): Promise<number> {
  try {
    const own = await ownAndReapedCpuSeconds(pid);
    const children = await childPids(pid);
    const theirs = await Promise.all(children.map((child) => treeCpuSeconds(child).then((s) => (Number.isNaN(s) ? 0 : s))));
    return own + theirs.reduce((a, b) => a + b, 0);
  } catch {
    return NaN;
  }
}

/** read and write system calls of a process so far (Linux /proc/<pid>/io). NaN when unreadable. */
export async function syscalls(pid: number): Promise<{ reads: number; writes: number }> {
  try {
    const io = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
    return { reads: field('syscr'), writes: field('syscw') };
  } catch {
    return { reads: NaN, writes: NaN };
  }
}

/** What the kernel counts for a process (all its threads): CPU seconds by mode, socket system calls, context switches. */
export interface ProcessCounters {
  userS: number;
  systemS: number;
  reads: number;
  writes: number;
  /** The process gave up the CPU (waited for I/O or a timer). */
  voluntarySwitches: number;
  /** The scheduler took the CPU away (another runnable process's turn). */
  involuntarySwitches: number;
}

const ZERO_COUNTERS: ProcessCounters = { userS: 0, systemS: 0, reads: 0, writes: 0, voluntarySwitches: 0, involuntarySwitches: 0 };

/** ProcessCounters of one process (all its threads; Linux /proc); zeros when it is unreadable. */
export async function processCounters(pid: number): Promise<ProcessCounters> {
  try {
    const [stat, status, io] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8'), syscalls(pid)]);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const count = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(status)?.[1] ?? 0);
    return {
      userS: Number(fields[11]) / 100, systemS: Number(fields[12]) / 100, reads: io.reads, writes: io.writes,
      voluntarySwitches: count('voluntary_ctxt_switches'), involuntarySwitches: count('nonvoluntary_ctxt_switches'),
    };
  } catch {
    return ZERO_COUNTERS;
  }
}

/** CPU µs per event of each process taking part in a flood. */
export interface CpuPerEvent {
  /** The bench process: the relay under test (API and workers, or bare BullMQ) and its driver. */
  benchUs: number;
  redisUs: number;
  /** The receivers' child process: the same work per push for every contender. */
  receiverUs: number;
  /** The bench process's read and write system calls per event (sockets: Redis, HTTP in and out). */
  benchReads: number;
  benchWrites: number;
  /** Redis commands per event (scripts count once, their inner commands again), most Redis time first. */
  redisCommands: CommandDelta[];
  /** All Redis commands per event (INFO commandstats: scripts once, their inner commands again). */
  redisCallsPerEvent: number;
  /** Redis network bytes per event, into and out of the server (INFO stats, every client of the server). */
  redisNetInBytes: number;
  redisNetOutBytes: number;
}

interface Snapshot {
  bench: number;
  redis: number;
  receiver: number;
  io: { reads: number; writes: number };
  commands: Map<string, { calls: number; usec: number }>;
  net: { inBytes: number; outBytes: number };
}

/** Start before a phase, `perEvent(n)` after it. */
export class CpuMeter {
  private constructor(
    private readonly redis: RedisClient,
    private readonly receiverPid: number,
    private readonly start: Snapshot,
  ) {}

  static async start(redis: RedisClient, receiverPid: number): Promise<CpuMeter> {
    return new CpuMeter(redis, receiverPid, await snapshot(redis, receiverPid));
  }

  async perEvent(events: number): Promise<CpuPerEvent> {
    const end = await snapshot(this.redis, this.receiverPid);
    const us = (a: number, b: number) => Math.round(((b - a) * 1e6) / events * 10) / 10;
    return {
      benchUs: us(this.start.bench, end.bench),
      redisUs: us(this.start.redis, end.redis),
      receiverUs: us(this.start.receiver, end.receiver),
      benchReads: Math.round(((end.io.reads - this.start.io.reads) / events) * 100) / 100,
      benchWrites: Math.round(((end.io.writes - this.start.io.writes) / events) * 100) / 100,
      redisCommands: commandDeltas(this.start.commands, end.commands, events, 12),
      redisCallsPerEvent: Math.round((totalCalls(end.commands) - totalCalls(this.start.commands)) / events * 100) / 100,
      redisNetInBytes: Math.round((end.net.inBytes - this.start.net.inBytes) / events),
      redisNetOutBytes: Math.round((end.net.outBytes - this.start.net.outBytes) / events),
    };
  }
}

const totalCalls = (stats: Map<string, { calls: number }>) => [...stats.values()].reduce((sum, s) => sum + s.calls, 0);

async function snapshot(redis: RedisClient, receiverPid: number): Promise<Snapshot> {
  const own = process.cpuUsage();
  const [redisS, receiverS, commands, io, net] = await Promise.all([redisCpuSeconds(redis), cpuSeconds(receiverPid), commandStats(redis), syscalls(process.pid), redisNetBytes(redis)]);
  return { bench: (own.user + own.system) / 1e6, redis: redisS, receiver: receiverS, io, commands, net };
}
