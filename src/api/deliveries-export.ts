/**
 * GET /v1/deliveries/export: the whole filtered delivery log as one streamed file. The store is
 * read a page at a time and only as fast as the client takes the lines (a full socket buffer
 * pauses the reading until 'drain'), so memory stays bounded whatever the range; a client that
 * goes away stops the reading.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { StoredEvent } from '../store/deliveries.js';
import { requireAdminOrSchool } from './auth.js';
import { deliveryFilters, scopedFilter } from './delivery-filters.js';
import { CONTENT_TYPES, exportFileName, exportLine, exportPreamble, type ExportFormat } from './delivery-rows.js';
import { parse } from './validate.js';

export const exportQuery = deliveryFilters.extend({
  format: z.enum(['ndjson', 'csv']).default('ndjson').describe('ndjson (default): one JSON object a line; csv: RFC 4180 with a header row'),
});

/** Rows read from the store at once (one page is all the export holds). */
const PAGE_ROWS = 500;

/** What an export sent: written to the log when it ends. */
export interface ExportOutcome {
  rows: number;
  bytes: number;
  /** How often a full socket buffer paused the reading. */
  backpressureWaits: number;
  /** False when the client went away (or the store failed) before the end. */
  complete: boolean;
}

/** Streams the export; validation and authorisation errors (before any byte) go to the error middleware. */
export async function exportDeliveries(deps: Deps, req: Request, res: Response): Promise<void> {
  requireAdminOrSchool(res);
  const q = parse(exportQuery, req.query, 'query');
  const filter = scopedFilter(res, q);
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  const startedMs = Date.now();
  const pages = deps.deliveries.pages(filter, PAGE_ROWS);
  // The first page is read before the headers, so a store failure still gets a proper error reply.
  const first = await pages.next();
  res.status(200);
  res.setHeader('content-type', CONTENT_TYPES[q.format]);
  res.setHeader('content-disposition', `attachment; filename="${exportFileName(q.format, filter)}"`);
  res.setHeader('cache-control', 'no-store');
  if (req.method === 'HEAD') {
    // Express answers HEAD with the GET route: the headers say all there is, no need to read on.
    await pages.return(undefined);
    res.end();
    return;
  }
  const outcome = await pump(pages, first, q.format, res, gone.signal).catch((error: unknown) => {
    deps.logger.warn('deliveries export failed', { requestId: res.locals.requestId, error: error instanceof Error ? error.message : String(error) });
    res.destroy();
    return undefined;
  });
  if (outcome) {
    deps.logger.info('deliveries export ended', { requestId: res.locals.requestId, sid: filter.sid ?? 'all', format: q.format, ...outcome, durationMs: Date.now() - startedMs });
  }
}

/** Writes every page, waiting for 'drain' whenever the response says its buffer is full. */
async function pump(
  pages: AsyncGenerator<StoredEvent[], void, undefined>, first: IteratorResult<StoredEvent[], void>,
  format: ExportFormat, res: Response, gone: AbortSignal,
): Promise<ExportOutcome> {
  const outcome: ExportOutcome = { rows: 0, bytes: 0, backpressureWaits: 0, complete: false };
  const write = async (text: string) => {
    if (gone.aborted) return;
    outcome.bytes += Buffer.byteLength(text);
    if (!res.write(text) && !gone.aborted) {
      outcome.backpressureWaits++;
      await drainedOrClosed(res);
    }
  };
  await write(exportPreamble(format));
  for (let page = first; !page.done; page = await pages.next()) {
    if (gone.aborted) break;
    await write(page.value.map((e) => exportLine(format, e)).join(''));
    outcome.rows += page.value.length;
  }
  if (gone.aborted) {
    await pages.return(undefined);
    return outcome;
  }
  res.end();
  return { ...outcome, complete: true };
}

/** Resolves on 'drain', or on 'close' (a client that went away never drains). */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
