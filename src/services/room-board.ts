/**
 * The room's whiteboard: a board room created through the whiteboard REST API on first use, its
 * room token per user, and opening, granting and closing it (domain/room-board.ts).
 */
import type { Deps } from '../deps.js';
import { decideBoard } from '../domain/room-board.js';
import { AppError } from '../lib/errors.js';
import { boardToken, createBoardRoom, type WhiteboardConfig } from '../lib/whiteboard.js';
import { actIn, readIn, type RoomCall } from './room-calls.js';
import { boardOff, noRoom } from './rooms-errors.js';


/**
 * `GET …/room/:roomId/board`: `{boardId, boardToken}`; the board room is created on first use.
 * Without WHITEBOARD_* both are null with code 0 (the Web client stops its login on a non-zero code).
 */
export async function boardInfo(deps: Deps, call: RoomCall): Promise<{ boardId: string | null; boardToken: string | null }> {
  const { actor } = await readIn(deps, call);
  const config = deps.config.whiteboard;
  if (!config) return { boardId: null, boardToken: null };
  const boardId = await ensureBoard(deps, call.roomId, config);
  return { boardId, boardToken: boardToken(config, boardId, actor.grantBoard, deps.config.roomTokenTtlS) };
}

const CREATE_LOCK_MS = 15_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The room's board uuid, creating the board room once: one caller holds the lock, the others wait for its uuid. */
async function ensureBoard(deps: Deps, roomId: string, config: WhiteboardConfig): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const known = await deps.rooms.boardId(roomId);
    if (known === undefined) throw noRoom();
    if (known !== '') return known;
    if (await deps.rooms.lockBoardCreation(roomId, CREATE_LOCK_MS)) {
      try {
        const recorded = await deps.rooms.boardId(roomId, await createBoardRoom(config));
        if (recorded === undefined) throw noRoom();
        return recorded;
      } finally {
        await deps.rooms.unlockBoardCreation(roomId);
      }
    }
    await pause(50);
  }
  throw new AppError('busy', 503, 'the board room is still being created, retry');
}

/** `…/user/:userId/board {state}`: open, close, grant or revoke (granting needs WHITEBOARD_*). */
export async function setBoard(deps: Deps, call: RoomCall, userId: number, state: 0 | 1): Promise<void> {
  if (state === 1 && !deps.config.whiteboard) throw boardOff();
  await actIn(deps, call, [userId], ({ room, actor, snap }) => decideBoard(room, actor, userId === actor.userId ? actor : snap.members.get(userId), state));
}
