import type { Deps } from '../src/deps.js';
import type { SystemEvent } from '../src/domain/events.js';
import { AppError } from '../src/lib/errors.js';
import { storeEvents } from '../src/services/ingest.js';

/** The app id under which classbell's own events (summaries, Net reports) are stored. */
const SYSTEM_APP_ID = 'classbell';

/**
 * Queues events classbell computed itself. Their ids are fixed (e.g. `end_<sid>_<classId>`), so a
 * job that runs twice pushes once. Should a client already have used such an id, the event gets
 * an assigned one instead of being lost.
 */
export async function queueSystemEvents(deps: Deps, events: SystemEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await storeEvents(deps, SYSTEM_APP_ID, events, new Set(events.map((e) => e.id)), Date.now());
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'id_taken')) throw error;
    deps.logger.warn('a client used a reserved event id; queuing with assigned ids', { id: (error.details as { id: string }).id });
    const renamed = events.map((e, i) => ({ ...e, id: `${e.id}_${Date.now().toString(36)}${i}` }));
    await storeEvents(deps, SYSTEM_APP_ID, renamed, new Set(), Date.now());
  }
}
