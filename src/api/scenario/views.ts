/**
 * Room and member records as the Agora Meeting clients (v1: Web, Android, iOS) parse them: flags as
 * integers 1/0, ids as strings (Android's and iOS's models type userId and nextId as strings), user
 * lists as arrays, the caller's RTM token for `String(uid)` (the clients log in to RTM with their uid).
 */
import type { Config } from '../../config.js';
import { screenIdOf, type Member, type RoomDoc } from '../../domain/room-rules.js';
import { memberTokens } from '../rooms-views.js';

const bit = (on: boolean | undefined): 0 | 1 => (on ? 1 : 0);

/** A member (Web `AgoraUser` source fields, Android `Member`, iOS `ConfUserModel`). */
export function clientMember(m: Member) {
  return {
    userId: String(m.userId), userName: m.userName, role: m.role, uid: m.uid, screenId: screenIdOf(m),
    enableChat: bit(m.enableChat), enableVideo: bit(m.enableVideo), enableAudio: bit(m.enableAudio),
    grantBoard: bit(m.grantBoard), grantScreen: bit(m.grantScreen), state: bit(m.online),
  };
}

/** The caller's own record (Android `Me`, iOS `localUser`): tokens when configured, null otherwise. */
export function clientSelf(config: Pick<Config, 'agora' | 'zego' | 'roomTokenTtlS'>, room: RoomDoc, m: Member) {
  return { ...clientMember(m), userUuid: m.userUuid, ...clientTokens(config, room, m) };
}

/** RTC, RTM and screen tokens (null without Agora credentials), and when they expire. */
export function clientTokens(config: Pick<Config, 'agora' | 'zego' | 'roomTokenTtlS'>, room: RoomDoc, m: Member) {
  return { rtcToken: null, rtmToken: null, screenToken: null, ...memberTokens(config, room, m, String(m.uid)) };
}

/** The people a room record lists: host, sharer, board users (all online members when known). */
export interface RoomPeople {
  host: Member | undefined;
  members: Member[];
}

/** The room (Android `RoomRes.Room`, iOS `ConfRoomModel`, Web `getRoomInfoBy`). */
export function clientRoom(room: RoomDoc, people: RoomPeople) {
  const online = people.members.filter((m) => m.online);
  const boardOwner = room.boardOwnerUserId ?? 0;
  const sharer = online.find((m) => m.userId === room.screenUserId);
  const boardUsers = boardOwner > 0 ? online.filter((m) => m.grantBoard).sort((a, b) => Number(b.userId === boardOwner) - Number(a.userId === boardOwner)) : [];
  return {
    roomId: room.roomId, roomUuid: room.roomUuid, roomName: room.roomName, channelName: room.channelName,
    password: '', hasPassword: bit(room.passwordHash !== ''),
    muteAllChat: bit(room.muteAllChat), muteAllAudio: room.muteAllAudio ? (room.muteAllAudioLevel ?? 2) : 0,
    shareBoard: bit(boardOwner > 0), createBoardUserId: boardOwner > 0 ? String(boardOwner) : null, lockBoard: bit(room.boardLocked),
    shareScreen: bit(sharer !== undefined), onlineUsers: room.online, startTime: room.startTimeMs, state: room.state,
    hosts: people.host ? [clientMember(people.host)] : [],
    shareScreenUsers: sharer ? [clientMember(sharer)] : [],
    shareBoardUsers: boardUsers.map(clientMember),
  };
}
