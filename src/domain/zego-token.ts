/**
 * ZEGO token04 (PROTOCOL.md §5), in the two forms of ZEGO's official generators
 * (zegoim/zego_server_assistant, token/<language>/token04):
 * - `gcm` (recommended, the default): AES-256-GCM with a random 12-byte nonce;
 *   `"04" + base64(int64BE(expire) + u16BE(12) + nonce + u16BE(n) + ciphertext‖tag(16) + u8(1))`,
 *   n counting ciphertext and tag, the trailing byte being the mode (1 = GCM).
 * - `cbc` (deprecated by ZEGO, selectable with ZEGO_TOKEN_MODE=cbc): AES-256-CBC with PKCS#7 and a
 *   16-character [0-9a-z] IV; `"04" + base64(int64BE(expire) + u16BE(16) + iv + u16BE(n) + ciphertext)`.
 * The key is the 32-character server secret; the plaintext is the JSON
 * `{app_id, user_id, nonce (int32), ctime, expire, payload}`.
 */
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';

export type ZegoTokenMode = 'gcm' | 'cbc';

/** The mode byte the GCM form ends with (ZEGO's AesEncryptMode: 0 CBC/PKCS5Padding, 1 GCM). */
const ZEGO_MODE_GCM = 1;

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
  /** 'gcm' unless given. */
  mode?: ZegoTokenMode | undefined;
  /** For tests only; random otherwise. */
  nowS?: number;
  nonce?: number;
  /** CBC only, for tests: the 16-character IV. */
  iv?: string;
}

const IV_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

const u16be = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

function encryptGcm(plain: string, key: Buffer): Buffer[] {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [u16be(nonce.length), nonce, u16be(sealed.length), sealed, Buffer.from([ZEGO_MODE_GCM])];
}

function encryptCbc(plain: string, key: Buffer, ivText: string | undefined): Buffer[] {
  const iv = Buffer.from(ivText ?? Array.from({ length: 16 }, () => IV_ALPHABET[randomInt(IV_ALPHABET.length)]).join(''), 'utf8');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [u16be(iv.length), iv, u16be(encrypted.length), encrypted];
}

/** Builds a ZEGO token04 in the GCM form (default) or the deprecated CBC form. */
export function buildZegoToken04(input: ZegoToken04Input): string {
  if (input.serverSecret.length !== 32) throw new Error('ZEGO server secret must be 32 characters');
  const ctime = input.nowS ?? Math.floor(Date.now() / 1000);
  const expire = ctime + input.ttlS;
  const nonce = input.nonce ?? randomInt(-(2 ** 31), 2 ** 31 - 1);
  const plain = JSON.stringify({ app_id: input.appId, user_id: input.userId, nonce, ctime, expire, payload: input.payload });
  const key = Buffer.from(input.serverSecret, 'utf8');
  const expireBuf = Buffer.alloc(8);
  expireBuf.writeBigInt64BE(BigInt(expire));
  const rest = (input.mode ?? 'gcm') === 'gcm' ? encryptGcm(plain, key) : encryptCbc(plain, key, input.iv);
  return `04${Buffer.concat([expireBuf, ...rest]).toString('base64')}`;
}

/** The RTC payload of a ZEGO token: login always, publish for the host and users on stage. */
export function zegoRtcPayload(roomId: string, publish: boolean): string {
  const payload: ZegoRtcPayload = { room_id: roomId, privilege: { '1': 1, '2': publish ? 1 : 0 }, stream_id_list: null };
  return JSON.stringify(payload);
}
