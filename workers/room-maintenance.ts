import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import type { RoomDestroyJob } from '../src/queue/jobs.js';
import { relayPendingRooms, relayRoom } from '../src/services/rooms-relay.js';
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

/** One maintenance round for rooms: silent users out (reason 6), then relays left behind. */
export async function roomMaintenance(deps: Deps): Promise<void> {
  await sweepSilentUsers(deps);
  await relayPendingRooms(deps);
}
