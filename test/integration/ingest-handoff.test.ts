/**
 * The ingest's handover to a drainer waiting on its school's empty outbox (ingest-events with
 * `handoff`), against the real Redis: the new events go to the drainer with the message, and the
 * school is draining again, only when they are the outbox's head; otherwise the drainer is only
 * woken. Messages are read from the wake channel with a real subscriber and decoded as the worker
 * does (readWake).
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/lib/redis.js';
import { readWake } from '../../src/store/drain-wakes.js';
import { Keys } from '../../src/store/keys.js';
import { OutboxScripts, type IngestEventInput } from '../../src/store/outbox-scripts.js';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/harness.js';

const SID = 21;
const TOKEN = 'job-token.3';
const CHANNEL_PREFIX = 'cb:drain-wake:handoff-test-';

describe('ingest hands new events to a waiting drainer', () => {
  const redis: RedisClient = testRedis();
  const sub: RedisClient = testRedis();
  const prefixes: string[] = [];
  let keys: Keys;
  let channel: string;
  let messages: Buffer[];

  beforeEach(async () => {
    keys = new Keys(uniquePrefix('handoff'));
    prefixes.push(keys.prefix);
    channel = `${CHANNEL_PREFIX}${prefixes.length}`;
    messages = [];
    sub.removeAllListeners('messageBuffer');
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => messages.push(message));
    await sub.subscribe(channel);
    await redis.hset(keys.school(SID), 'status', 'active', 'url', 'http://127.0.0.1:9/s/21', 'secret', 'sekret');
    // A drainer waiting on the empty outbox (fetch-head next or settle-heads left it so).
    await redis.hset(keys.state(SID), 'sched', '1', 'epoch', '3', 'hold', '0', 'subs', '*', 'phase', 'waiting', 'owner', TOKEN, 'wch', channel, 'at', '1');
  });
  afterAll(async () => {
    for (const prefix of prefixes) await dropPrefix(prefix);
    sub.disconnect();
    redis.disconnect();
  });

  const event = (id: string, tp?: string): IngestEventInput => ({
    id, sid: String(SID), indexed: false, type: 'hands_up', json: JSON.stringify({ Cmd: 'HandsUp', SID, _id: id, note: 'é' }), classKey: '', sampleKey: '',
    ...(tp ? { tp } : {}),
  });
  const ingest = (events: IngestEventInput[], handoff: number, nowMs = 5_000) =>
    new OutboxScripts(redis, keys).ingestEvents({ nowMs, appId: 'app', retentionS: 3600, mode: 'strict', events, handoff });
  /** The one message the ingest published on the channel (waited for up to 500 ms). */
  async function nextMessage(): Promise<Buffer> {
    for (let i = 0; i < 50 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(messages).toHaveLength(1);
    return messages.shift()!;
  }

  it('hands the events over with the endpoint, and the school is draining again', async () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(await ingest([event('e1', tp), event('e2')], 64)).toMatchObject({ kind: 'ok', accepted: ['e1', 'e2'], wakes: [] });
    const wake = readWake(await nextMessage());
    expect(wake).toEqual({
      token: TOKEN,
      handoff: {
        endpointUrl: 'http://127.0.0.1:9/s/21', secret: 'sekret',
        events: [
          { id: 'e1', json: event('e1').json, attempts: 0, acceptedAtMs: 5_000, trace: tp },
          { id: 'e2', json: event('e2').json, attempts: 0, acceptedAtMs: 5_000 },
        ],
      },
    });
    expect(await redis.hmget(keys.state(SID), 'phase', 'wch', 'owner', 'sched', 'at')).toEqual(['draining', '', TOKEN, '1', '5000']);
    // The outbox keeps them until the drainer settles them, as with a fetch.
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['e1', 'e2']);
  });

  it('hands over at most `handoff` events: the rest wait in the outbox for the next fetch', async () => {
    await ingest([event('e1'), event('e2'), event('e3')], 2);
    expect(readWake(await nextMessage())?.handoff?.events.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['e1', 'e2', 'e3']);
  });

  it('only wakes the drainer when the outbox held events already (requeued): they come first, so it fetches', async () => {
    await redis.rpush(keys.outbox(SID), 'requeued');
    await ingest([event('e1')], 64);
    expect(readWake(await nextMessage())).toEqual({ token: TOKEN });
    expect(await redis.hget(keys.state(SID), 'phase')).toBe('waiting');
    expect(await redis.lrange(keys.outbox(SID), 0, -1)).toEqual(['requeued', 'e1']);
  });

  it('only wakes the drainer with handoff 0', async () => {
    await ingest([event('e1')], 0);
    expect(readWake(await nextMessage())).toEqual({ token: TOKEN });
    expect(await redis.hget(keys.state(SID), 'phase')).toBe('waiting');
  });

  it('hands nothing to a drain that is not waiting', async () => {
    await redis.hset(keys.state(SID), 'phase', 'draining', 'wch', '');
    await ingest([event('e1')], 64);
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toHaveLength(0);
    expect(await redis.hget(keys.state(SID), 'phase')).toBe('draining');
  });
});

describe('readWake', () => {
  it('reads a bare token, and refuses what is neither a token nor a handover', () => {
    expect(readWake(Buffer.from('job-token.1'))).toEqual({ token: 'job-token.1' });
    expect(readWake(Buffer.alloc(0))).toBeUndefined();
    expect(readWake(Buffer.from([0x93, 0xa1, 0x61, 0xa1, 0x62, 0xa1, 0x63]))).toBeUndefined(); // 3 values: no event
    expect(readWake(Buffer.from([0xc1]))).toBeUndefined(); // not msgpack
  });
});
