import type { Member, RoomDoc } from '../../src/domain/room-rules.js';

/** A room document for rule tests (small class, capacity 4, 3 stage seats unless overridden). */
export const room = (over: Partial<RoomDoc> = {}): RoomDoc => ({
  roomId: 'abcdef0123456789', appId: 'a'.repeat(32), roomUuid: 'r1', roomName: 'Maths', channelName: 'abcdef0123456789', passwordHash: '',
  classType: 'small', capacity: 4, stageSeats: 3, sid: null, classId: null, state: 1, startTimeMs: 0, muteAllChat: false, muteAllAudio: false,
  hostUserId: 0, nextUserId: 0, online: 0, stageAudience: 0, life: 0, ...over,
});

/** An online audience member (audio and video off). */
export const member = (userId: number, over: Partial<Member> = {}): Member => ({
  userId, userUuid: `u${userId}`, userName: `user ${userId}`, uid: 1000 + userId, role: 2, enableAudio: false, enableVideo: false,
  enableChat: true, grantBoard: false, stage: false, handsUp: false, rewards: 0, online: true, tokenHash: 'h', session: `s${userId}`, ...over,
});
