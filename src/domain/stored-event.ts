import type { SystemEvent } from './events.js';

/**
 * Reads an event back from the outbox. Only events that passed validation at ingest are ever
 * stored, so the record is trusted as it is rather than validated a second time on the hot path.
 */
export function parseStoredEvent(json: string): SystemEvent {
  return JSON.parse(json) as SystemEvent;
}
