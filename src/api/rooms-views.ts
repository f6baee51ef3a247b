import type { ErrorRequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import { screenIdOf, type Member, type RoomDoc } from '../domain/room-rules.js';
import { buildRtcToken, buildRtmToken } from '../domain/tokens.js';
import { buildZegoToken04, zegoRtcPayload } from '../domain/zego-token.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { RoomError } from '../services/rooms-errors.js';
import { closeIfBodyUnread, fromBodyParser, isRedisUnavailable } from './error-handler.js';

/** Replies `{code: 0, msg: 'ok', data}`. */
export function ok(res: Response, data: unknown): void {
  res.json({ code: 0, msg: 'ok', data });
}

/** A member as everyone in the room sees it (Agora Meeting's member shape, plus room state). */
export function memberView(m: Member) {
  return {
    userId: m.userId, userName: m.userName, uid: m.uid, role: m.role, enableChat: m.enableChat, enableVideo: m.enableVideo,
    enableAudio: m.enableAudio, grantBoard: m.grantBoard, grantScreen: m.grantScreen === true, stage: m.stage, handsUp: m.handsUp, rewards: m.rewards, online: m.online,
  };
}

export function roomView(room: RoomDoc, host: Member | undefined) {
  return {
    roomId: room.roomId, roomUuid: room.roomUuid, roomName: room.roomName, channelName: room.channelName, classType: room.classType,
    hasPassword: room.passwordHash !== '', muteAllChat: room.muteAllChat, muteAllAudio: room.muteAllAudio, shareBoard: (room.boardOwnerUserId ?? 0) > 0, shareScreen: (room.screenUserId ?? 0) > 0,
    onlineUsers: room.online, capacity: room.capacity, stageSeats: room.stageSeats, startTime: room.startTimeMs, state: room.state,
    hosts: host ? [memberView(host)] : [], sid: room.sid, classId: room.classId,
  };
}

/** Tokens of a member, when configured: RTC (and the screen share's RTC), RTM for `rtmUser`, ZEGO. */
export function memberTokens(config: Pick<Config, 'agora' | 'zego' | 'roomTokenTtlS'>, room: RoomDoc, m: Member, rtmUser: string, nowMs = Date.now()) {
  const publisher = m.role === 1 || m.stage;
  const ttlS = config.roomTokenTtlS;
  const tokens: Record<string, unknown> = {};
  if (config.agora) {
    tokens.rtcToken = buildRtcToken(config.agora, room.channelName, m.uid, publisher, ttlS);
    tokens.rtmToken = buildRtmToken(config.agora, rtmUser, ttlS);
    tokens.screenToken = buildRtcToken(config.agora, room.channelName, screenIdOf(m), true, ttlS);
  }
  if (config.zego) {
    tokens.zegoToken = buildZegoToken04({
      appId: config.zego.appId, serverSecret: config.zego.serverSecret, userId: m.userUuid, ttlS, payload: zegoRtcPayload(room.channelName, publisher),
      mode: config.zego.tokenMode,
    });
  }
  if (config.agora || config.zego) tokens.tokenExpireAt = Math.floor(nowMs / 1000) + ttlS;
  return tokens;
}

/** The caller's own record: with userUuid, screenId and, when configured, RTC/RTM/screen/ZEGO tokens. */
export function selfView(config: Pick<Config, 'agora' | 'zego' | 'roomTokenTtlS'>, room: RoomDoc, m: Member, nowMs = Date.now()) {
  return { ...memberView(m), userUuid: m.userUuid, screenId: screenIdOf(m), ...memberTokens(config, room, m, m.userUuid, nowMs) };
}

/** The envelope and HTTP status of an error, undefined for an unexpected one. */
function envelopeOf(error: unknown, contentEncoding?: string): { status: number; code: number; msg: string; data: unknown } | undefined {
  if (error instanceof RoomError) return { status: error.status, code: error.roomCode, msg: error.message, data: null };
  const appError = error instanceof AppError ? error : fromBodyParser(error, contentEncoding);
  if (appError) return { status: appError.status, code: appError.status, msg: appError.message, data: appError.details !== undefined ? { details: appError.details } : null };
  if (isRedisUnavailable(error)) return { status: 503, code: 503, msg: 'storage temporarily unavailable, retry later', data: null };
  return undefined;
}

/**
 * Room calls answer errors in the envelope too: `{code, msg, data}` (GoClass code, or the HTTP
 * status). `businessStatus`: the HTTP status of a refusal by a room rule (the Agora Meeting clients
 * read `code` only from a 2xx reply, so their paths answer 200).
 */
export function roomErrorHandler(logger: Logger, businessStatus?: number): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let envelope = envelopeOf(error, req.headers['content-encoding']);
    if (envelope && businessStatus !== undefined && error instanceof AppError && (error instanceof RoomError || error.code === 'not_supported')) {
      envelope = { ...envelope, status: businessStatus };
    }
    if (!envelope) {
      logger.error('unhandled error', { requestId: res.locals.requestId as string | undefined, method: req.method, path: req.path, error: error instanceof Error ? error.stack : String(error) });
      envelope = { status: 500, code: 500, msg: 'internal error', data: null };
    }
    if (res.headersSent) return;
    closeIfBodyUnread(req, res);
    res.status(envelope.status).json({ code: envelope.code, msg: envelope.msg, data: envelope.data, requestId: res.locals.requestId as string | undefined });
  };
}
