/**
 * The room's whiteboard: a board room created through the whiteboard REST API on first use, its
 * room token per user, and opening, granting and closing it (domain/room-board.ts).
 */
import type { Deps } from '../deps.js';
import { decideBoard } from '../domain/room-board.js';
import { boardToken, createBoardRoom } from '../lib/whiteboard.js';
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
  let boardId = await deps.rooms.boardId(call.roomId);
  if (boardId === '') boardId = await deps.rooms.boardId(call.roomId, await createBoardRoom(config));
  if (!boardId) throw noRoom();
  return { boardId, boardToken: boardToken(config, boardId, actor.grantBoard, deps.config.roomTokenTtlS) };
}

/** `…/user/:userId/board {state}`: open, close, grant or revoke (granting needs WHITEBOARD_*). */
export async function setBoard(deps: Deps, call: RoomCall, userId: number, state: 0 | 1): Promise<void> {
  if (state === 1 && !deps.config.whiteboard) throw boardOff();
  await actIn(deps, call, [userId], ({ room, actor, snap }) => decideBoard(room, actor, userId === actor.userId ? actor : snap.members.get(userId), state));
}
