import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { AgoraRtmClient } from '../lib/agora-rtm.js';
import { drainFenced, type DrainHooks, type Lease } from './fenced-drain.js';

/** The RTM queue lock's time to live; renewed every third of it while a round runs. */
const RTM_LOCK_MS = 30_000;
/**
 * Waits before the attempts after the first of one message (network trouble, timeout, 429, 5xx):
 * about a minute in all. Past the last, the message is dropped with a warning: a room notification
 * is live state, of little use to a client minutes late, and the room's later ones wait behind it.
 */
const RTM_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000, 8000, 15_000, 30_000];

/** One queued entry: the room's channel (kept, the room may be gone) and the notification as broadcast. */
interface RtmEntry {
  channel: string;
  message: { cmd?: number; seq?: number };
}

const clients = new WeakMap<NonNullable<Config['agoraRtmRest']>, AgoraRtmClient>();
function clientFor(rtm: NonNullable<Config['agoraRtmRest']>): AgoraRtmClient {
  let client = clients.get(rtm);
  if (!client) {
    client = new AgoraRtmClient(rtm);
    clients.set(rtm, client);
  }
  return client;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * After a commit: sends the room's queued notifications over RTM in the background, so the room
 * call never waits for Agora. A failure here leaves them queued for the sweep.
 */
export function notifyRoomRtm(deps: Deps, roomId: string): void {
  if (!deps.config.agoraRtmRest) return;
  sendRoomRtm(deps, roomId).catch((error: unknown) => deps.logger.warn('room RTM notifications left for the sweep', { roomId, error: describe(error) }));
}

/**
 * Sends a room's queued notifications as RTM channel messages, one at a time in seq order: one
 * sender per room (a fenced lock, renewed while it runs), each entry trimmed only once sent (or
 * dropped), so a crash or a takeover sends at most the one message in flight again.
 */
export async function sendRoomRtm(deps: Deps, roomId: string, hooks?: DrainHooks): Promise<void> {
  const rtm = deps.config.agoraRtmRest;
  if (!rtm) return;
  const client = clientFor(rtm);
  await drainFenced(
    deps.rooms.rtmQueue(roomId),
    async ([row], lease) => {
      if (row !== undefined) await sendWithRetries(deps, client, roomId, JSON.parse(row) as RtmEntry, lease);
    },
    { lockMs: RTM_LOCK_MS, batchSize: 1, hooks },
    (error) => deps.logger.warn('room RTM lock renewal failed', { roomId, error: describe(error) }),
  );
}

async function sendWithRetries(deps: Deps, client: AgoraRtmClient, roomId: string, entry: RtmEntry, lease: Lease): Promise<void> {
  const payload = JSON.stringify(entry.message);
  const about = { roomId, channel: entry.channel, cmd: entry.message.cmd, seq: entry.message.seq };
  for (let attempt = 0; ; attempt++) {
    const outcome = await client.sendChannelMessage(entry.channel, payload);
    if (outcome.kind === 'sent') return;
    if (outcome.kind === 'rejected') {
      deps.logger.warn('RTM channel message rejected; dropped', { ...about, status: outcome.status, reason: outcome.reason });
      return;
    }
    const delayMs = RTM_RETRY_DELAYS_MS[attempt];
    if (delayMs === undefined) {
      deps.logger.warn('RTM channel message still failing after every retry; dropped', { ...about, reason: outcome.reason });
      return;
    }
    await pause(delayMs);
    if (!(await lease.confirm())) return; // taken over: the new holder sends it
  }
}

/**
 * Starts sending what crashed processes or an unreachable RTM service left queued, in the
 * background (a room whose sends are being retried must not hold up the heartbeat sweep; a room
 * already being sent bounces off its lock). Returns how many rooms were started.
 */
export async function sweepPendingRoomRtm(deps: Deps): Promise<number> {
  if (!deps.config.agoraRtmRest) return 0;
  const rooms = await deps.rooms.pendingRtm(100);
  for (const roomId of rooms) notifyRoomRtm(deps, roomId);
  return rooms.length;
}
