/**
 * `deliveries tail`: follows the delivery log live. The API lists newest first
 * with a cursor towards older rows; tailing inverts that: each poll reads the
 * rows accepted since a low-water mark (newest first, paging down), then
 * prints, oldest first, the rows not seen before and the ones whose status or
 * attempts changed (pending → delivered, another failed attempt).
 */
import { deliveriesPageSchema, type Delivery } from '../api-schemas.js';
import { ApiClient, ApiError, UnreachableError } from '../api-client.js';
import { HELP_OPTION, parseCommand, parsePositiveInt, parseSid } from '../args.js';
import { formatAttempt } from '../format.js';
import { EXIT_OK, UsageError, sleep, type CliIo } from '../io.js';
import type { Command } from './command.js';
import { printHelp } from './schools.js';

const PAGE_LIMIT = 200;
/** Pages read per poll at most: beyond, the oldest new rows of that poll are not shown. */
const MAX_PAGES_PER_POLL = 10;
/** Unsettled rows followed for changes at most (the oldest are dropped first). */
const MAX_FOLLOWED = 500;
/** Rows remembered to tell new from changed (far more than one poll reads). */
const MAX_KNOWN = 10_000;

const SETTLED = new Set(['delivered', 'skipped', 'unsubscribed']);

export const deliveriesTail: Command = {
  name: 'deliveries tail',
  summary: 'follow the delivery log live (Ctrl-C stops)',
  help: `Usage: classbell deliveries tail [--sid <sid>] [--type <type>] [--lines <n>] [--interval-ms <ms>]

Prints the last deliveries, then follows the log: one line per new event and one
per change (pending → delivered, another failed attempt), oldest first:
  time  eventId  type  status  attempts  last outcome
Ctrl-C stops.

Options:
  --sid <sid>          only this school (without it: every school the token may see)
  --type <type>        only this event type
  --lines <n>          how many recent rows to print first (default 10, 0 = none)
  --interval-ms <ms>   poll interval (default 1000)
  -h, --help           show this help`,
  async run(argv, io) {
    const { values } = parseCommand(this.name, {
      args: argv,
      options: {
        ...HELP_OPTION,
        sid: { type: 'string' },
        type: { type: 'string' },
        lines: { type: 'string' },
        'interval-ms': { type: 'string' },
      },
    });
    if (values.help) return printHelp(this, io);
    const sid = values.sid === undefined ? undefined : parseSid(values.sid, this.name);
    const lines = values.lines === '0' ? 0 : parsePositiveInt(values.lines, 'lines', 10, this.name);
    if (lines > 500) throw new UsageError('--lines is at most 500', this.name);
    const intervalMs = parsePositiveInt(values['interval-ms'], 'interval-ms', 1000, this.name);
    const client = ApiClient.fromEnv(io);
    const tail = new Tail(client, io, { sid, type: values.type });
    io.err(`following deliveries${sid === undefined ? '' : ` of school ${sid}`} at ${client.baseUrl} (Ctrl-C stops)`);
    await tail.start(lines);
    while (!io.signal.aborted) {
      await sleep(intervalMs, io.signal);
      if (io.signal.aborted) break;
      await tail.pollTolerant();
    }
    return EXIT_OK;
  },
};

interface Filter {
  readonly sid: number | undefined;
  readonly type: string | undefined;
}

class Tail {
  /** eventId → what was last printed about it. */
  private readonly known = new Map<string, string>();
  /** Unsettled rows (eventId → createdAt ms), followed until they settle. */
  private readonly followed = new Map<string, number>();
  /** Newest acceptance time seen (ms); polls read from min(this, oldest followed). */
  private newestMs: number | undefined;
  private warned = false;

  constructor(
    private readonly client: ApiClient,
    private readonly io: CliIo,
    private readonly filter: Filter,
  ) {}

  /** Prints the last `lines` rows (oldest first) and sets the marks. */
  async start(lines: number): Promise<void> {
    const page = await this.fetchPage(Math.max(lines, 1), undefined, undefined);
    const rows = page.items.slice(0, lines).reverse();
    for (const row of rows) this.print(row);
    for (const row of page.items) this.remember(row);
  }

  /** One poll; a network error or a 5xx is reported and retried at the next poll. */
  async pollTolerant(): Promise<void> {
    try {
      await this.poll();
      if (this.warned) this.io.err('classbell answers again');
      this.warned = false;
    } catch (error) {
      if (this.io.signal.aborted) return;
      const transient = error instanceof UnreachableError || (error instanceof ApiError && error.status >= 500);
      if (!transient) throw error;
      if (!this.warned) this.io.err(`warning: ${error.message}; retrying`);
      this.warned = true;
    }
  }

  private async poll(): Promise<void> {
    const sinceMs = this.lowWaterMs();
    const rows: Delivery[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages++) {
      const page = await this.fetchPage(PAGE_LIMIT, sinceMs, cursor);
      rows.push(...page.items);
      if (!page.nextCursor) {
        cursor = undefined;
        break;
      }
      cursor = page.nextCursor;
    }
    if (cursor) this.io.err(`note: more than ${rows.length} rows changed since the last poll; older ones not shown`);
    for (const row of rows.reverse()) {
      const signature = `${row.status}/${row.attempts}`;
      if (this.known.get(row.eventId) !== signature) this.print(row);
      this.remember(row);
    }
  }

  private lowWaterMs(): number | undefined {
    let low = this.newestMs;
    for (const createdMs of this.followed.values()) low = low === undefined ? createdMs : Math.min(low, createdMs);
    return low;
  }

  private remember(row: Delivery): void {
    this.known.delete(row.eventId);
    this.known.set(row.eventId, `${row.status}/${row.attempts}`);
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value as string);
    const createdMs = Date.parse(row.createdAt);
    if (Number.isFinite(createdMs)) this.newestMs = Math.max(this.newestMs ?? createdMs, createdMs);
    if (SETTLED.has(row.status)) {
      this.followed.delete(row.eventId);
      return;
    }
    this.followed.set(row.eventId, createdMs);
    if (this.followed.size > MAX_FOLLOWED) this.dropOldestFollowed();
  }

  private dropOldestFollowed(): void {
    let oldest: [string, number] | undefined;
    for (const entry of this.followed) if (!oldest || entry[1] < oldest[1]) oldest = entry;
    if (oldest) this.followed.delete(oldest[0]);
  }

  private fetchPage(limit: number, sinceMs: number | undefined, cursor: string | undefined) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (this.filter.sid !== undefined) query.set('sid', String(this.filter.sid));
    if (this.filter.type !== undefined) query.set('type', this.filter.type);
    if (sinceMs !== undefined) query.set('since', String(sinceMs));
    if (cursor !== undefined) query.set('cursor', cursor);
    return this.client.get(`/v1/deliveries?${query}`, deliveriesPageSchema);
  }

  private print(row: Delivery): void {
    this.io.out(formatDeliveryLine(row, this.filter.sid === undefined));
  }
}

/** One tail line: time of the latest change, eventId, type, status, attempts, last outcome. */
export function formatDeliveryLine(row: Delivery, withSid: boolean): string {
  const time = row.lastAttempt?.at ?? row.createdAt;
  const cells = [
    time,
    ...(withSid ? [`sid ${row.sid}`] : []),
    row.eventId.padEnd(26),
    row.type.padEnd(16),
    row.status.padEnd(9),
    String(row.attempts).padStart(3),
    formatAttempt(row.lastAttempt),
  ];
  return cells.join('  ');
}
