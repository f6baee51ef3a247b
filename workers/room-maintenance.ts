import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { roomDestroyJobId, type RoomDestroyJob } from '../src/queue/jobs.js';
import { relayPendingRooms, relayRoom } from '../src/services/rooms-relay.js';
import { sweepPendingRoomRtm } from '../src/services/rooms-rtm.js';
import { sweepSilentUsers } from '../src/services/rooms.js';

/**
 * Destroys a room left empty, unless someone entered since (the job's life is then stale). What is
 * still queued for the school is relayed first, so nothing of the room is lost.
 */
export async function processRoomDestroy(deps: Deps, job: Job<RoomDestroyJob>): Promise<string> {
  const { roomId, appId, roomUuid, life } = job.data;
  await relayRoom(deps, roomId);
  const result = await deps.rooms.destroy({ roomId, appId, roomUuid }, life);
  if (result === 'pending') throw new Error(`room ${roomId} still has notifications to relay`); // BullMQ retries
  if (result === 'destroyed') deps.logger.info('empty room destroyed', { roomId });
  return result;
}

/** How often the heartbeat sweep runs: a fraction of the interval, so a timeout is noticed quickly. */
export function heartbeatSweepMs(heartbeatIntervalS: number): number {
  return Math.max(500, Math.min(10_000, Math.round((heartbeatIntervalS * 1000) / 2)));
}

/** One maintenance round for rooms: silent users out (reason 6), then relays and RTM sends left behind. */
export async function roomMaintenance(deps: Deps): Promise<void> {
  await sweepSilentUsers(deps);
  await relayPendingRooms(deps);
  await sweepPendingRoomRtm(deps);
}

/**
 * Empty rooms whose destruction job is missing (the process that emptied them died before adding
 * it, or Redis was away) get the job again, with the full ROOM_EMPTY_TTL_S from now: a lost job
 * delays a destruction, it never cancels it. Index entries naming a room that no longer exists (a
 * crash between a destruction and its index update) are deleted. Online users without a heartbeat
 * entry (a double fault: an exit racing a re-entry, and a crash before the re-entry's second
 * heartbeat write) get one, so the heartbeat sweep sees them again.
 */
export async function reconcileEmptyRooms(deps: Deps): Promise<number> {
  let readded = 0;
  let cursor = '0';
  do {
    const page = await deps.rooms.indexPage(cursor, 1000);
    cursor = page.next;
    for (const [field, roomId] of page.entries) {
      if (await reconcileRoom(deps, field, roomId)) readded++;
    }
  } while (cursor !== '0');
  return readded;
}

/** One index entry of the reconciler; true when a destruction job was added again. */
async function reconcileRoom(deps: Deps, indexField: string, roomId: string): Promise<boolean> {
  const doc = await deps.rooms.doc(roomId);
  if (!doc) {
    if (await deps.rooms.dropStaleIndex(indexField, roomId)) deps.logger.warn('index named a room that does not exist; deleted', { roomId });
    return false;
  }
  if (doc.online > 0) {
    const snapshot = await deps.rooms.load(doc.roomId, { all: true });
    // Sessions that send no heartbeats (the Agora Meeting clients) have no entry on purpose.
    const online = [...snapshot.members.values()].filter((m) => m.online && m.heartbeats !== false).map((m) => m.userId);
    const restored = await deps.rooms.restoreHeartbeats(doc.roomId, online, Date.now());
    if (restored > 0) deps.logger.warn('online users had no heartbeat entry; restored', { roomId: doc.roomId, users: restored });
    return false;
  }
  if (doc.state !== 1) return false;
  if (await deps.scheduler.jobExists(roomDestroyJobId(doc.roomId, doc.life))) return false;
  deps.logger.warn('empty room had no destruction job; adding it again', { roomId: doc.roomId });
  await deps.scheduler.roomDestroy({ roomId: doc.roomId, appId: doc.appId, roomUuid: doc.roomUuid, life: doc.life }, deps.config.roomEmptyTtlS * 1000);
  return true;
}
