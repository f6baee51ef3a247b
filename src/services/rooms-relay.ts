import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import type { ClassEvent } from '../domain/events.js';
import { roomClassEvents, type RoomMessage } from '../domain/room-events.js';
import { AppError } from '../lib/errors.js';
import { storeEvents } from './ingest.js';

const BATCH = 100;
const LOCK_MS = 30_000;

/**
 * Turns a linked room's queued notifications into catalogue events for its school, in seq order.
 * One relayer per room at a time (a Redis lock); whoever appended while the lock was held is
 * covered because the holder looks at the queue again after releasing it. Event ids are derived
 * from the room and seq, so a batch relayed twice (crash before the trim) is stored once.
 */
export async function relayRoom(deps: Deps, roomId: string): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    const token = randomBytes(8).toString('hex');
    if (!(await deps.rooms.lockRelay(roomId, token, LOCK_MS))) return;
    let left: number;
    try {
      await relayQueued(deps, roomId);
    } finally {
      left = await deps.rooms.releaseRelay(roomId, token);
    }
    if (left === 0) return;
  }
}

async function relayQueued(deps: Deps, roomId: string): Promise<void> {
  const room = await deps.rooms.doc(roomId);
  for (;;) {
    const batch = await deps.rooms.relayBatch(roomId, BATCH);
    if (batch.length === 0) return;
    if (room && room.sid !== null && room.classId !== null) await relayBatch(deps, room.appId, { roomId, sid: room.sid, classId: room.classId }, batch);
    await deps.rooms.relayDone(roomId, batch.length);
  }
}

async function relayBatch(deps: Deps, appId: string, link: { roomId: string; sid: number; classId: number }, batch: RoomMessage[]): Promise<void> {
  const schedule = await deps.classes.get(link.sid, link.classId);
  const events: ClassEvent[] = roomClassEvents(link, batch).map((e) => (schedule ? { ...e, courseId: schedule.courseId } : e));
  if (events.length === 0) return;
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
