import type { Deps } from '../deps.js';
import type { ClassEvent } from '../domain/events.js';
import { roomClassEvents, type RoomMessage } from '../domain/room-events.js';
import { AppError } from '../lib/errors.js';
import { drainFenced, type DrainHooks, type Lease } from './fenced-drain.js';
import { storeEvents } from './ingest.js';

const BATCH = 100;
/** The relay lock's time to live; renewed every third of it while a round runs. */
const RELAY_LOCK_MS = 30_000;

/**
 * Turns a linked room's queued notifications into catalogue events for its school, in seq order.
 * One relayer per room at a time (a fenced lock, renewed while a round runs); whoever appended
 * while the lock was held is covered because the holder looks at the queue again after releasing
 * it. A relayer that stalls past its lock can no longer trim the queue, so the next relayer's
 * batches are never dropped; event ids are derived from the room and seq, so a batch stored twice
 * (a stalled relayer waking up, or a crash before the trim) is stored once.
 */
export async function relayRoom(deps: Deps, roomId: string, hooks?: DrainHooks): Promise<void> {
  const room = await deps.rooms.doc(roomId);
  await drainFenced(
    deps.rooms.relayQueue(roomId),
    async (rows, lease) => {
      // A room that is gone or no longer linked has nothing to report: its queue is just emptied.
      if (!room || room.sid === null || room.classId === null) return;
      const batch = rows.map((r) => JSON.parse(r) as RoomMessage);
      await relayBatch(deps, room.appId, { roomId, sid: room.sid, classId: room.classId }, batch, lease);
    },
    { lockMs: RELAY_LOCK_MS, batchSize: BATCH, hooks },
    (error) => deps.logger.warn('room relay lock renewal failed', { roomId, error: error instanceof Error ? error.message : String(error) }),
  );
}

async function relayBatch(deps: Deps, appId: string, link: { roomId: string; sid: number; classId: number }, batch: RoomMessage[], lease: Lease): Promise<void> {
  const schedule = await deps.classes.get(link.sid, link.classId);
  const events: ClassEvent[] = roomClassEvents(link, batch).map((e) => (schedule ? { ...e, courseId: schedule.courseId } : e));
  if (events.length === 0) return;
  if (!(await lease.confirm())) return; // taken over: the new holder stores this batch
  try {
    await storeEvents(deps, appId, events, new Set(events.map((e) => e.id)), Date.now());
  } catch (error) {
    // The school was deleted (404) or an id clash (409): nothing to retry, so the batch is dropped.
    if (error instanceof AppError && error.status < 500) {
      deps.logger.warn('room events not relayed', { roomId: link.roomId, sid: link.sid, error: error.message });
      return;
    }
    throw error;
  }
}

/** Finishes relays a crashed process left behind. */
export async function relayPendingRooms(deps: Deps): Promise<void> {
  for (const roomId of await deps.rooms.pendingRelays(100)) await relayRoom(deps, roomId);
}
