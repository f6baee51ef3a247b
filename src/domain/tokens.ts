/**
 * RTC/RTM tokens (PROTOCOL.md §5). Production tokens come from Agora's own `agora-token` package;
 * the small AccessToken2 codec here exists so a test can pin the format to Agora's official vector
 * (the package always draws a random salt and the current time) and check the package against it.
 */
import { createHmac } from 'node:crypto';
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
