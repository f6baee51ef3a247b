/**
 * An independent reader of ZEGO token04, written from the layout ZEGO's official generators
 * publish (zegoim/zego_server_assistant, token04 for Node.js and Go), not from classbell's encoder:
 *
 *   "04" + base64( expire:int64BE | len:u16BE | nonce-or-iv | len:u16BE | ciphertext | [mode:u8] )
 *
 * The GCM form (mode byte 1) carries a 12-byte nonce and the 16-byte authentication tag at the end
 * of the ciphertext; the deprecated CBC form has a 16-character IV and no mode byte. Plain node:crypto.
 */
import { createDecipheriv } from 'node:crypto';

export interface DecodedToken04 {
  form: 'gcm' | 'cbc';
  expire: number;
  /** The GCM nonce or the CBC IV, as bytes. */
  nonceOrIv: Buffer;
  cipherLength: number;
  /** The token's binary length (after base64). */
  totalLength: number;
  content: { app_id: number; user_id: string; nonce: number; ctime: number; expire: number; payload: string };
}

export function decodeToken04(token: string, serverSecret: string): DecodedToken04 {
  if (token.slice(0, 2) !== '04') throw new Error('token04 starts with "04"');
  const bin = Buffer.from(token.slice(2), 'base64');
  let cursor = 0;
  const take = (n: number): Buffer => {
    if (cursor + n > bin.length) throw new Error('token04 truncated');
    const part = bin.subarray(cursor, cursor + n);
    cursor += n;
    return part;
  };
  const expire = Number(take(8).readBigInt64BE(0));
  const nonceOrIv = take(take(2).readUInt16BE(0));
  const cipherLength = take(2).readUInt16BE(0);
  const cipher = take(cipherLength);
  const tail = bin.subarray(cursor);
  const key = Buffer.from(serverSecret, 'utf8');
  let plain: Buffer;
  let form: 'gcm' | 'cbc';
  if (tail.length === 1 && tail[0] === 1) {
    form = 'gcm';
    const decipher = createDecipheriv('aes-256-gcm', key, nonceOrIv);
    decipher.setAuthTag(cipher.subarray(cipher.length - 16));
    plain = Buffer.concat([decipher.update(cipher.subarray(0, cipher.length - 16)), decipher.final()]);
  } else if (tail.length === 0) {
    form = 'cbc';
    const decipher = createDecipheriv('aes-256-cbc', key, nonceOrIv);
    plain = Buffer.concat([decipher.update(cipher), decipher.final()]);
  } else {
    throw new Error(`token04 has ${tail.length} unexpected trailing bytes`);
  }
  return { form, expire, nonceOrIv, cipherLength, totalLength: bin.length, content: JSON.parse(plain.toString('utf8')) as DecodedToken04['content'] };
}
