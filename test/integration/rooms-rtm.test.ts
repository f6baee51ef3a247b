import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RTM_SENDER_ID } from '../../src/lib/agora-rtm.js';
import { sendRoomRtm } from '../../src/services/rooms-rtm.js';
import { roomMaintenance } from '../../workers/room-maintenance.js';
import { gate } from '../helpers/gate.js';
import { ADMIN_TOKEN, createApp, createHarness, waitFor, type Harness } from '../helpers/harness.js';
import { RtmServer, type RtmCall } from '../helpers/rtm-server.js';

const AGORA_APP_ID = '970CA35de60c44645bbae8a215061b33';
const CUSTOMER_ID = 'customer-id-0123';
const CUSTOMER_SECRET = 'customer-secret-4567';

/**
 * RTM notifications (issue 14 point 6): with AGORA_RTM_REST_URL and the customer credentials, every
 * room notification is also sent as an RTM channel message to the room's channel through a local
 * server implementing Agora's documented send-channel-message call. Default settings otherwise.
 */
describe('rooms: RTM channel messages through the RTM REST API', () => {
  let rtm: RtmServer;
  let h: Harness;
  let appId: string;
  let auth: { Authorization: string };

  beforeAll(async () => {
    rtm = await new RtmServer(CUSTOMER_ID, CUSTOMER_SECRET).start();
    h = await createHarness('roomrtm', {
      workers: false,
      env: { AGORA_APP_ID, AGORA_APP_CERTIFICATE: '5CFd2fd1755d40ecb72977518be15d3b', AGORA_RTM_REST_URL: rtm.baseUrl, AGORA_CUSTOMER_ID: CUSTOMER_ID, AGORA_CUSTOMER_SECRET: CUSTOMER_SECRET },
    });
    ({ appId, auth } = await createApp(h.app));
  });
  afterEach(() => { rtm.reply = () => ({}); });
  afterAll(async () => {
    await h.close();
    await rtm.stop();
  });

  const base = () => `/conf/v1/apps/${appId}`;
  async function enter(roomUuid: string, userUuid: string, role?: 'host') {
    const res = await request(h.app).post(`${base()}/room/entry`).set(auth).send({ roomName: roomUuid, roomUuid, userName: userUuid, userUuid, ...(role ? { role } : {}) }).expect(200);
    return res.body.data as { roomId: string; userId: number; userToken: string };
  }
  /** The room's notifications as the event stream carries them (the replay buffer), parsed. */
  async function broadcast(roomId: string): Promise<RtmCall['payload'][]> {
    return (await h.deps.rooms.messagesAfter(roomId, 0)).map((json) => JSON.parse(json) as RtmCall['payload']);
  }
  const sentFor = (channel: string, status = 200) => rtm.calls.filter((c) => c.channel === channel && c.status === status);

  it('sends every notification of a room, in seq order, as the event stream carries it, to the room\'s channel', async () => {
    const host = await enter('rtm-1', 'host-1', 'host');
    const kid = await enter('rtm-1', 'kid-1');
    await request(h.app).post(`${base()}/room/${host.roomId}/chat`).set('token', kid.userToken).send({ message: 'hello' }).expect(200);
    await request(h.app).post(`${base()}/room/${host.roomId}/user/${kid.userId}/exit`).set('token', kid.userToken).expect(200);
    const expected = await broadcast(host.roomId);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    const sent = await waitFor('every notification sent over RTM', () => (sentFor(host.roomId).length >= expected.length ? sentFor(host.roomId) : undefined));
    expect(sent.map((c) => c.payload)).toEqual(expected); // same JSON: cmd, version, timestamp, seq, data
    expect(sent.every((c) => c.appId === AGORA_APP_ID && c.userId === RTM_SENDER_ID && !c.enableHistoricalMessaging)).toBe(true);
    expect(rtm.refused).toEqual([]); // path, Basic credentials and body as documented
    // Once released with nothing left, the room leaves the pending set, its queue empty.
    await waitFor('the sender done', async () => (await h.deps.redis.sismember(h.deps.keys.roomRtmPending, host.roomId)) === 0);
    expect(await h.deps.redis.llen(h.deps.keys.roomRtm(host.roomId))).toBe(0);
  });

  it('retries a 5xx with backoff while the room call has long answered; the room\'s order is kept', async () => {
    const held = gate();
    let failures = 0;
    // The first call is held back (RTM slow), then it and the next answer 503.
    rtm.reply = (call) => (call.channel !== '' && failures < 2 ? (failures++, { status: 503, hold: failures === 1 ? held.wait : undefined }) : {});
    const started = rtm.calls.length;
    const host = await enter('rtm-2', 'host-2', 'host'); // answered while RTM holds the first message
    await waitFor('the first RTM call held', () => rtm.calls.length > started);
    const kid = await enter('rtm-2', 'kid-2');
    expect(sentFor(host.roomId)).toEqual([]); // nothing delivered yet, and both room calls answered
    held.open();
    const expected = await broadcast(host.roomId);
    const sent = await waitFor('sent after the retries', () => (sentFor(host.roomId).length >= expected.length ? sentFor(host.roomId) : undefined));
    expect(sent.map((c) => c.payload.seq)).toEqual(expected.map((m) => m.seq));
    const attempts = rtm.calls.filter((c) => c.channel === host.roomId).map((c) => `${c.payload.seq}:${c.status}`);
    expect(attempts.slice(0, 3)).toEqual([`${expected[0]!.seq}:503`, `${expected[0]!.seq}:503`, `${expected[0]!.seq}:200`]);
    expect(kid.userId).toBeGreaterThan(0);
  });

  it('a 4xx is not retried: that message is dropped (a warning) and the next ones still go, in order', async () => {
    let rejectedSeq = 0;
    rtm.reply = (call) => (call.payload.seq === 2 && rejectedSeq === 0 ? ((rejectedSeq = 2), { status: 400 }) : {});
    const host = await enter('rtm-3', 'host-3', 'host');
    await enter('rtm-3', 'kid-3');
    await request(h.app).post(`${base()}/room/${host.roomId}/chat`).set('token', host.userToken).send({ message: 'one' }).expect(200);
    const expected = (await broadcast(host.roomId)).filter((m) => m.seq !== 2);
    const sent = await waitFor('the others sent', () => (sentFor(host.roomId).length >= expected.length ? sentFor(host.roomId) : undefined));
    expect(sent.map((c) => c.payload.seq)).toEqual(expected.map((m) => m.seq));
    expect(rtm.calls.filter((c) => c.channel === host.roomId && c.payload.seq === 2).map((c) => c.status)).toEqual([400]);
  });

  it('concurrent changes of a room reach RTM in seq order, each once, through random 5xx', async () => {
    let n = 0;
    rtm.reply = () => (++n % 3 === 0 ? { status: 502 } : {});
    const host = await enter('rtm-4', 'host-4', 'host');
    await Promise.all(Array.from({ length: 8 }, (_, i) => enter('rtm-4', `kid-4-${i}`))); // the small room's 10 seats
    const expected = await broadcast(host.roomId);
    const sent = await waitFor('all sent', () => (sentFor(host.roomId).length >= expected.length ? sentFor(host.roomId) : undefined), 30_000);
    expect(sent.map((c) => c.payload.seq)).toEqual(expected.map((m) => m.seq));
  });

  it('what a crashed sender left queued is sent by the sweep; a sender stalled past its lock cannot trim the next one\'s work', async () => {
    const host = await enter('rtm-5', 'host-5', 'host');
    const entered = (await broadcast(host.roomId)).length;
    await waitFor('entry sent', () => sentFor(host.roomId).length === entered);
    const queue = h.deps.keys.roomRtm(host.roomId);
    const entry = (seq: number) => JSON.stringify({ channel: host.roomId, message: { cmd: 1, version: 1, timestamp: 1, seq, data: { message: `m${seq}` } } });
    // A crash after the commit, before any send: queued, the room in the pending set.
    await h.deps.redis.rpush(queue, entry(101), entry(102));
    await h.deps.redis.sadd(h.deps.keys.roomRtmPending, host.roomId);
    // A: sends 101, then stalls before trimming it; its lock runs out, B takes over.
    const stalled = gate();
    const resume = gate();
    const a = sendRoomRtm(h.deps, host.roomId, { beforeTrim: async () => { stalled.open(); await resume.wait; } });
    await stalled.wait;
    await h.deps.redis.del(h.deps.keys.roomRtmLock(host.roomId));
    await roomMaintenance(h.deps); // the workers' room sweep starts B, in the background
    await waitFor('B sent the rest', async () => (await h.deps.redis.llen(queue)) === 0);
    await h.deps.redis.rpush(queue, entry(103)); // queued after B: A's trim must not drop it
    resume.open();
    await a;
    await waitFor('103 sent', () => sentFor(host.roomId).some((c) => c.payload.seq === 103));
    const seqs = sentFor(host.roomId).map((c) => c.payload.seq).filter((s) => s > 100);
    expect(seqs).toEqual([101, 101, 102, 103]); // the one in flight at the takeover is sent again, nothing is lost
    expect(await h.deps.redis.llen(queue)).toBe(0);
  });
});

describe('RTM notifications: configuration', () => {
  const env = { NODE_ENV: 'test', ADMIN_TOKEN };
  it('needs the customer credentials and the Agora App ID with AGORA_RTM_REST_URL', () => {
    expect(loadConfig(env).agoraRtmRest).toBeUndefined();
    expect(() => loadConfig({ ...env, AGORA_RTM_REST_URL: 'https://api.agora.io' })).toThrow(/AGORA_RTM_REST_URL: needs AGORA_CUSTOMER_ID/);
    const config = loadConfig({
      ...env, AGORA_RTM_REST_URL: 'https://api.agora.io/', AGORA_CUSTOMER_ID: 'a', AGORA_CUSTOMER_SECRET: 'b',
      AGORA_APP_ID, AGORA_APP_CERTIFICATE: '5CFd2fd1755d40ecb72977518be15d3b',
    });
    expect(config.agoraRtmRest).toEqual({ baseUrl: 'https://api.agora.io', appId: AGORA_APP_ID, customerId: 'a', customerSecret: 'b' });
  });
});
