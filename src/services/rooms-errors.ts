import { ROOM_CODES, type RoomCode } from '../domain/room-rules.js';
import { AppError } from '../lib/errors.js';

/** HTTP status of each GoClass code. */
const STATUS: Record<RoomCode, number> = {
  [ROOM_CODES.teacherAlreadyIn]: 409,
  [ROOM_CODES.roomFull]: 409,
  [ROOM_CODES.noPermission]: 403,
  [ROOM_CODES.notInRoom]: 404,
  [ROOM_CODES.loginFirst]: 401,
  [ROOM_CODES.noRoom]: 404,
  [ROOM_CODES.seatsFull]: 409,
  [ROOM_CODES.alreadySharing]: 409,
  [ROOM_CODES.notSharing]: 409,
  [ROOM_CODES.notTeacher]: 403,
  [ROOM_CODES.boardOff]: 501,
};

/** A room call refused by a rule: rendered as `{code: <GoClass code>, msg, data: null}`. */
export class RoomError extends AppError {
  constructor(
    readonly roomCode: RoomCode,
    message: string,
  ) {
    super(`room_${roomCode}`, STATUS[roomCode], message);
    this.name = 'RoomError';
  }
}

export const loginFirst = (message = 'login first: missing, invalid or superseded user token') => new RoomError(ROOM_CODES.loginFirst, message);
export const noRoom = () => new RoomError(ROOM_CODES.noRoom, 'the room does not exist');
export const boardOff = () => new RoomError(ROOM_CODES.boardOff, 'the whiteboard is not configured on this server (WHITEBOARD_*)');
