/**
 * `deliveries export`: downloads GET /v1/deliveries/export into a file. The body is streamed to a
 * temporary file beside the target (progress on stderr: rows and bytes), which is renamed only
 * once complete, so the target is never a half-written export.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiClient } from '../api-client.js';
import { HELP_OPTION, parseCommand, parseSid, parseTime, stringOptions } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from '../io.js';
import { ProgressBar } from '../progress.js';
import type { Command } from './command.js';
import { printHelp } from './schools.js';

const FORMATS = ['ndjson', 'csv'] as const;
const STATUSES = ['pending', 'delivered', 'failing', 'skipped'];

export const deliveriesExport: Command = {
  name: 'deliveries export',
  summary: 'download the delivery log of a range into a file (NDJSON or CSV)',
  help: `Usage: classbell deliveries export [--sid <sid>] [--since <time>] [--until <time>]
         [--status <status>] [--type <type>] [--format ndjson|csv] [--out <file>]

Downloads every delivery that matches, newest first, one a line with its
attempts, into a file; progress (rows, bytes) on stderr. The file appears only
once the export is complete.

Times: ISO 8601 (without an offset, UTC), unix seconds, or a duration ago (2h, 1d).

Options:
  --sid <sid>          only this school (without it: every school the token may see)
  --since <time>       accepted at or after
  --until <time>       accepted at or before
  --status <status>    pending, delivered, failing or skipped
  --type <type>        only this event type
  --format <format>    ndjson (default) or csv
  --out <file>         where to write (default: the server's file name, in the current directory)
  -h, --help           show this help`,
  async run(argv, io) {
    const options = { ...HELP_OPTION, ...stringOptions('sid', 'since', 'until', 'status', 'type', 'format', 'out') };
    const { values } = parseCommand(this.name, { args: argv, options });
    if (values.help) return printHelp(this, io);
    const query = exportQuery(values, this.name);
    const client = ApiClient.fromEnv(io);
    const saved = await download(client, query, values.out, io).catch((error: unknown) => {
      if (!io.signal.aborted) throw error;
      return undefined;
    });
    if (!saved) {
      // Ctrl-C: unlike a command that only follows something, this one did not do its job.
      io.err('export interrupted: no file written');
      return EXIT_FAILURE;
    }
    io.out(`wrote ${saved.rows} deliver${saved.rows === 1 ? 'y' : 'ies'} (${formatBytes(saved.bytes)}) to ${saved.out}`);
    return EXIT_OK;
  },
};

/** Requests the export and saves it to `out` (or the file name the server suggests). */
async function download(client: ApiClient, query: URLSearchParams, out: string | undefined, io: CliIo): Promise<{ rows: number; bytes: number; out: string }> {
  const res = await client.download(`/v1/deliveries/export?${query}`);
  const target = out ?? fileNameOf(res.headers.get('content-disposition')) ?? `deliveries.${query.get('format')}`;
  return { ...(await saveBody(res, target, query.get('format') === 'csv', io)), out: target };
}

type ExportOptions = Partial<Record<'sid' | 'since' | 'until' | 'status' | 'type' | 'format', string>>;

/** The API query from the options, checked here so a typo is a usage error (exit 2). */
function exportQuery(values: ExportOptions, command: string): URLSearchParams {
  const query = new URLSearchParams();
  if (values.sid !== undefined) query.set('sid', String(parseSid(values.sid, command)));
  if (values.since !== undefined) query.set('since', parseTime(values.since, 'since', command));
  if (values.until !== undefined) query.set('until', parseTime(values.until, 'until', command));
  if (values.status !== undefined && !STATUSES.includes(values.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`, command);
  if (values.status !== undefined) query.set('status', values.status);
  if (values.type !== undefined) query.set('type', values.type);
  const format = values.format ?? 'ndjson';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ndjson or csv, got "${format}"`, command);
  query.set('format', format);
  return query;
}

/** The file name of `attachment; filename="…"`, without any directory part. */
function fileNameOf(disposition: string | null): string | undefined {
  const name = /filename="([^"]+)"/.exec(disposition ?? '')?.[1];
  return name ? basename(name) : undefined;
}

/**
 * Streams the body into `<out>.part-<pid>`, then renames it to `out`; the partial file is removed
 * on any failure (Ctrl-C included). Rows are counted as line ends (a CSV's header aside): no
 * exported field holds a raw line break (attempts are JSON, which escapes them).
 */
async function saveBody(res: Response, out: string, csv: boolean, io: CliIo): Promise<{ rows: number; bytes: number }> {
  if (!res.body) throw new Error('the export has no body');
  const partial = join(dirname(out), `.${basename(out)}.part-${process.pid}`);
  const bar = new ProgressBar(io, 500);
  let lineEnds = 0;
  let bytes = 0;
  const rows = () => Math.max(0, lineEnds - (csv ? 1 : 0));
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lineEnds++;
      bar.status(`exporting: ${rows()} rows  ${formatBytes(bytes)}`);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(partial), { signal: io.signal });
    await rename(partial, out);
  } catch (error) {
    await rm(partial, { force: true });
    bar.finish();
    throw error;
  }
  bar.status(`exported: ${rows()} rows  ${formatBytes(bytes)}`, true);
  bar.finish();
  return { rows: rows(), bytes };
}

/** `512 B`, `3.4 KB`, `12.0 MB` (powers of 1000, one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
