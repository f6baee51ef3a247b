import type { Response } from 'express';
import type { Deps } from '../deps.js';
import type { RoomMessage } from '../domain/room-events.js';
import { ROOM_CMD } from '../domain/room-rules.js';

const KEEPALIVE_MS = 15_000;

export interface StreamTarget {
  roomId: string;
  userId: number;
  session: string;
  /** Last-Event-ID: replay what came after it from the room's buffer. */
  lastSeq: number | undefined;
}

/** True when this message ends the stream of this device: it was pushed out, left, or the room ended. */
function endsStream(message: RoomMessage, userId: number, session: string): boolean {
  const d = message.data;
  if (message.cmd === ROOM_CMD.room) return (d.changes as Record<string, unknown> | undefined)?.state === 0;
  const mine = d.userId === userId && d.session === session;
  return mine && (message.cmd === ROOM_CMD.kick || (message.cmd === ROOM_CMD.access && d.action === 'exit'));
}

/**
 * GET …/room/:roomId/events: Server-Sent Events, `id` = the room's seq. Subscribes first and
 * buffers live messages while the replay is read, so nothing falls between replay and live.
 */
export async function streamRoomEvents(deps: Deps, res: Response, target: StreamTarget): Promise<void> {
  let lastSent = target.lastSeq ?? -1;
  let replaying = true;
  let closed = false;
  const pending: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearInterval(timer);
    unsubscribe();
    res.end();
  };
  const send = (json: string) => {
    if (closed) return;
    const message = JSON.parse(json) as RoomMessage;
    if (message.seq <= lastSent) return;
    lastSent = message.seq;
    res.write(`id: ${message.seq}\ndata: ${json}\n\n`);
    if (endsStream(message, target.userId, target.session)) close();
  };
  res.on('close', close); // the client went away (or we ended the stream)
  unsubscribe = await deps.roomHub.subscribe(target.roomId, (json) => (replaying ? pending.push(json) : send(json)));
  if (closed) {
    unsubscribe();
    return;
  }
  // Headers only once subscribed: a client that sees the stream open misses nothing after that.
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  timers.push(setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS));
  try {
    if (target.lastSeq !== undefined) for (const json of await deps.rooms.messagesAfter(target.roomId, target.lastSeq)) send(json);
  } catch (error) {
    // Headers are out: no error body possible. Ending the stream makes the client reconnect.
    deps.logger.warn('room event replay failed', { roomId: target.roomId, error: error instanceof Error ? error.message : String(error) });
    close();
    return;
  }
  replaying = false;
  for (const json of pending.splice(0)) send(json);
}
