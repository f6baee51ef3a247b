/**
 * RTC/RTM tokens (PROTOCOL.md §5). Production tokens come from Agora's own `agora-token` package;
 * the small AccessToken2 codec here exists so a test can pin the format to Agora's official vector
 * (the package always draws a random salt and the current time) and check the package against it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomInt } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import agoraToken from 'agora-token';

const { RtcRole, RtcTokenBuilder, RtmTokenBuilder } = agoraToken;

/** Service types and privileges of AccessToken2. */
export const AGORA_SERVICE = { rtc: 1, rtm: 2 } as const;
export const AGORA_PRIVILEGE = { joinChannel: 1, publishAudio: 2, publishVideo: 3, publishData: 4, rtmLogin: 1 } as const;

export interface AccessToken2Service {
  type: number;
  /** privilege → expiry (seconds, relative as Agora's builders write them). */
  privileges: Record<number, number>;
  /** RTC: channel name and uid string ('' for uid 0); RTM: the user id. */
  fields: string[];
}

export interface AccessToken2Input {
  appId: string;
  appCertificate: string;
  issueTs: number;
  expire: number;
  salt: number;
  services: AccessToken2Service[];
}

const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const str = (s: string | Buffer) => { const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s; return Buffer.concat([u16(b.length), b]); };
const hmac = (key: Buffer, msg: Buffer | string) => createHmac('sha256', key).update(msg).digest();

function packService(s: AccessToken2Service): Buffer {
  const keys = Object.keys(s.privileges).map(Number).sort((a, b) => a - b);
  return Buffer.concat([u16(s.type), u16(keys.length), ...keys.flatMap((k) => [u16(k), u32(s.privileges[k] ?? 0)]), ...s.fields.map((f) => str(f))]);
}

/** Encodes an AccessToken2 ("007…") exactly as Agora's reference implementation does. */
export function encodeAccessToken2(t: AccessToken2Input): string {
  let signing = hmac(u32(t.issueTs), t.appCertificate);
  signing = hmac(u32(t.salt), signing);
  const services = [...t.services].sort((a, b) => a.type - b.type);
  const info = Buffer.concat([str(t.appId), u32(t.issueTs), u32(t.expire), u32(t.salt), u16(services.length), ...services.map(packService)]);
  const signature = hmac(signing, info);
  return `007${deflateSync(Buffer.concat([str(signature), info])).toString('base64')}`;
}

/** Reads an AccessToken2 back (RTC and RTM services), for tests and diagnostics. */
export function decodeAccessToken2(token: string): Omit<AccessToken2Input, 'appCertificate'> & { signature: Buffer } {
  if (!token.startsWith('007')) throw new Error('not an AccessToken2');
  const buf = inflateSync(Buffer.from(token.slice(3), 'base64'));
  let at = 0;
  const rd16 = () => { const v = buf.readUInt16LE(at); at += 2; return v; };
  const rd32 = () => { const v = buf.readUInt32LE(at); at += 4; return v; };
  const rdStr = () => { const n = rd16(); const v = buf.subarray(at, at + n); at += n; return v; };
  const signature = rdStr();
  const appId = rdStr().toString('utf8');
  const issueTs = rd32();
  const expire = rd32();
  const salt = rd32();
  const count = rd16();
  const services: AccessToken2Service[] = [];
  for (let i = 0; i < count; i++) {
    const type = rd16();
    const privileges: Record<number, number> = {};
    for (let n = rd16(); n > 0; n--) { const k = rd16(); privileges[k] = rd32(); }
    const fieldCount = type === AGORA_SERVICE.rtc ? 2 : type === AGORA_SERVICE.rtm ? 1 : 0;
    if (fieldCount === 0) throw new Error(`unsupported service type ${type}`);
    services.push({ type, privileges, fields: Array.from({ length: fieldCount }, () => rdStr().toString('utf8')) });
  }
  return { signature, appId, issueTs, expire, salt, services };
}

export interface AgoraCredentials {
  appId: string;
  appCertificate: string;
}

/** RTC token for a numeric uid: publisher (host, stage) or subscriber, valid for ttlS. */
export function buildRtcToken(c: AgoraCredentials, channelName: string, uid: number, publisher: boolean, ttlS: number): string {
  const role = publisher ? RtcRole.PUBLISHER : RtcRole.SUBSCRIBER;
  return RtcTokenBuilder.buildTokenWithUid(c.appId, c.appCertificate, channelName, uid, role, ttlS, ttlS);
}

/** RTM ("Signaling") login token for a user id, valid for ttlS. */
export function buildRtmToken(c: AgoraCredentials, userId: string, ttlS: number): string {
  return RtmTokenBuilder.buildToken(c.appId, c.appCertificate, userId, ttlS);
}

/** ZEGO token04 payload for RTC rooms. */
export interface ZegoRtcPayload {
  room_id: string;
  privilege: { '1': 0 | 1; '2': 0 | 1 };
  stream_id_list: string[] | null;
}

export interface ZegoToken04Input {
  appId: number;
  serverSecret: string;
  userId: string;
  ttlS: number;
  payload: string;
  /** For tests only; random otherwise. */
  nowS?: number;
  iv?: string;
  nonce?: number;
}

const IV_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** ZEGO token04: AES-256-CBC (PKCS#7) of the JSON, with the expiry and IV in the clear (PROTOCOL.md §5). */
export function buildZegoToken04(input: ZegoToken04Input): string {
  if (input.serverSecret.length !== 32) throw new Error('ZEGO server secret must be 32 characters');
  const ctime = input.nowS ?? Math.floor(Date.now() / 1000);
  const expire = ctime + input.ttlS;
  const nonce = input.nonce ?? randomInt(-(2 ** 31), 2 ** 31 - 1);
  const iv = input.iv ?? Array.from({ length: 16 }, () => IV_ALPHABET[randomInt(IV_ALPHABET.length)]).join('');
  const plain = JSON.stringify({ app_id: input.appId, user_id: input.userId, nonce, ctime, expire, payload: input.payload });
  const cipher = createCipheriv('aes-256-cbc', Buffer.from(input.serverSecret, 'utf8'), Buffer.from(iv, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const expireBuf = Buffer.alloc(8);
  expireBuf.writeBigInt64BE(BigInt(expire));
  const body = Buffer.concat([expireBuf, Buffer.from([0, 16]), Buffer.from(iv, 'utf8'), u16be(encrypted.length), encrypted]);
  return `04${body.toString('base64')}`;
}

function u16be(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** Decrypts a token04 (tests, diagnostics): the clear expiry, the IV and the JSON inside. */
export function decryptZegoToken04(token: string, serverSecret: string): { expire: number; iv: string; content: Record<string, unknown> } {
  if (!token.startsWith('04')) throw new Error('not a token04');
  const buf = Buffer.from(token.slice(2), 'base64');
  const expire = Number(buf.readBigInt64BE(0));
  const ivLength = buf.readUInt16BE(8);
  const iv = buf.subarray(10, 10 + ivLength);
  const length = buf.readUInt16BE(10 + ivLength);
  const encrypted = buf.subarray(12 + ivLength, 12 + ivLength + length);
  const decipher = createDecipheriv('aes-256-cbc', Buffer.from(serverSecret, 'utf8'), iv);
  const plain = Buffer.concat([decipher.update(encrypted), decipher.final()]).toString('utf8');
  return { expire, iv: iv.toString('utf8'), content: JSON.parse(plain) as Record<string, unknown> };
}

/** The RTC payload of a ZEGO token: login always, publish for the host and users on stage. */
export function zegoRtcPayload(roomId: string, publish: boolean): string {
  const payload: ZegoRtcPayload = { room_id: roomId, privilege: { '1': 1, '2': publish ? 1 : 0 }, stream_id_list: null };
  return JSON.stringify(payload);
}
