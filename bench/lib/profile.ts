/** Optional CPU profile of one phase (BENCH_PROFILE=1): written as a .cpuprofile and summarised by self time. */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  fn: string;
  where: string;
  selfMs: number;
  percent: number;
}

export class PhaseProfiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }

  /** Stops, writes the profile to `file` and returns the top functions by self time. */
  async stop(file: string, top = 25): Promise<{ total: SelfTime[]; byFile: SelfTime[] }> {
    if (!this.session) throw new Error('profiler not started');
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: Profile };
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    this.session = undefined;
    await writeFile(file, JSON.stringify(profile));
    return summarize(profile, top);
  }
}

function shortUrl(url: string): string {
  const cwd = `file://${process.cwd()}/`;
  return url.startsWith(cwd) ? url.slice(cwd.length) : url === '' ? '(native)' : url;
}

/** Self time per function (and per file), from the samples and their time deltas. */
export function summarize(profile: Profile, top: number): { total: SelfTime[]; byFile: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const fns = new Map<string, SelfTime>();
  const files = new Map<string, SelfTime>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const where = shortUrl(node.callFrame.url);
    const fn = node.callFrame.functionName || '(anonymous)';
    // tsx-compiled files report line 0 for everything: show a line only when it means something.
    const at = node.callFrame.lineNumber > 0 ? `${where}:${node.callFrame.lineNumber + 1}` : where;
    const key = `${fn} ${at}`;
    const f = fns.get(key) ?? { fn, where: at, selfMs: 0, percent: 0 };
    f.selfMs += us / 1000;
    fns.set(key, f);
    const g = files.get(where) ?? { fn: '', where, selfMs: 0, percent: 0 };
    g.selfMs += us / 1000;
    files.set(where, g);
  }
  const finish = (m: Map<string, SelfTime>) =>
    [...m.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)
      .map((s) => ({ ...s, selfMs: Math.round(s.selfMs), percent: Math.round((s.selfMs / (totalUs / 1000)) * 1000) / 10 }));
  return { total: finish(fns), byFile: finish(files) };
}
