/**
 * `replay`: pushes a school's events of a time range again. The API answers
 * `{requeued}` at once; the progress is read from the school's stats: the
 * replayed events sit behind everything already waiting (the outbox is FIFO),
 * so they are all through once `delivered + skipped` has grown by the backlog
 * seen right after the replay.
 */
import { replayReplySchema, schoolSchema, statsSchema, type StatsView } from '../api-schemas.js';
import { ApiClient } from '../api-client.js';
import { HELP_OPTION, parseCommand, parsePositiveInt, parseSid, parseTime, required } from '../args.js';
import { EXIT_OK, sleep, UsageError, type CliIo } from '../io.js';
import { ProgressBar } from '../progress.js';
import type { Command } from './command.js';
import { printHelp } from './schools.js';

export const replay: Command = {
  name: 'replay',
  summary: 'push a time range of a school\'s events again, with progress',
  help: `Usage: classbell replay --sid <sid> --since <time> [--until <time>] [--no-wait] [--interval-ms <ms>]

Requeues the school's delivered (or skipped) events accepted in [since, until]
behind what is already waiting, then shows a progress bar on stderr until they
are all pushed. Ctrl-C stops watching; the replay itself goes on.

Times: ISO 8601 (2025-11-22T08:00:00Z; without an offset, UTC), unix seconds,
or a duration ago (30m, 2h, 1d). --until defaults to now.

Options:
  --sid <sid>          the school
  --since <time>       start of the range (accepted at or after)
  --until <time>       end of the range (accepted at or before)
  --no-wait            print the count and return without following the progress
  --interval-ms <ms>   how often to read the progress (default 500)
  -h, --help           show this help`,
  async run(argv, io) {
    const { values } = parseCommand(this.name, {
      args: argv,
      options: {
        ...HELP_OPTION,
        sid: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'no-wait': { type: 'boolean' },
        'interval-ms': { type: 'string' },
      },
    });
    if (values.help) return printHelp(this, io);
    const sid = parseSid(required(values.sid, 'sid', this.name), this.name);
    const since = parseTime(required(values.since, 'since', this.name), 'since', this.name);
    const until = values.until === undefined ? undefined : parseTime(values.until, 'until', this.name);
    if (until !== undefined && Date.parse(until) < Date.parse(since)) throw new UsageError('--until is before --since', this.name);
    const intervalMs = parsePositiveInt(values['interval-ms'], 'interval-ms', 500, this.name);
    const client = ApiClient.fromEnv(io);

    const before = await client.get(`/v1/schools/${sid}/stats`, statsSchema);
    const { requeued } = await client.post(`/v1/schools/${sid}/replay`, { since, ...(until ? { until } : {}) }, replayReplySchema);
    io.out(`requeued ${requeued} event${requeued === 1 ? '' : 's'} of school ${sid} accepted from ${since} to ${until ?? 'now'}`);
    if (requeued === 0 || values['no-wait']) return EXIT_OK;

    const school = await client.get(`/v1/schools/${sid}`, schoolSchema);
    if (school.status !== 'active') {
      io.err(`school ${sid} is ${school.status}: its events are held until it is active, so not waiting (see \`classbell schools list\`)`);
      return EXIT_OK;
    }
    await followProgress(client, io, sid, before, requeued, intervalMs);
    return EXIT_OK;
  },
};

const settled = (s: StatsView) => s.delivered + (s.skipped ?? 0);

async function followProgress(client: ApiClient, io: CliIo, sid: number, before: StatsView, requeued: number, intervalMs: number): Promise<void> {
  const total = before.backlog + requeued;
  const bar = new ProgressBar(io, intervalMs);
  const startedMs = Date.now();
  for (;;) {
    const now = await client.get(`/v1/schools/${sid}/stats`, statsSchema);
    const done = Math.min(total, Math.max(0, settled(now) - settled(before)));
    const finished = done >= total || now.backlog === 0;
    bar.update(finished ? total : done, total, progressNote(now));
    if (finished) {
      bar.finish();
      io.err(`done: ${total} pushed in ${((Date.now() - startedMs) / 1000).toFixed(1)} s (${requeued} replayed${before.backlog ? `, ${before.backlog} that were already waiting` : ''})`);
      return;
    }
    await sleep(intervalMs, io.signal);
    if (io.signal.aborted) {
      bar.finish();
      io.err(`stopped watching at ${done}/${total}; the replay goes on (backlog ${now.backlog})`);
      return;
    }
  }
}

/** The backlog, and why the head is stuck when it is. */
function progressNote(stats: StatsView): string {
  const failing = stats.headAttempts > 0 && stats.lastError ? `, head failing after ${stats.headAttempts} attempts: ${stats.lastError}` : '';
  return `backlog ${stats.backlog}${failing}`;
}
