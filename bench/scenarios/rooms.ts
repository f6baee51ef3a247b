/**
 * Rooms (issue 4): entries/s and notification fan-out latency with BENCH_ROOMS_USERS (200) clients
 * on one room. Two classbell API processes (`src/main.ts --role=api`) on the same Redis and key
 * prefix; the clients in a third process (room-clients-process.ts). (1) The users enter one large
 * room, BENCH_ROOMS_IN_FLIGHT (20) entries in flight, alternating between the two APIs. (2) Each
 * user opens its SSE stream (half on each API), then the host performs BENCH_ROOMS_ACTIONS (50)
 * actions on the first API, one every BENCH_ROOMS_SPACING_MS (100): muteAllChat on/off and
 * enableAudio of a different user each time. Latency of each delivered notification = its arrival
 * at the client − the moment the action's request was sent (and − its reply).
 */
import { cpuSeconds } from '../lib/cpu.js';
import { Classbell } from '../lib/classbell.js';
import { ClassbellProcess } from '../lib/child-classbell.js';
import { RoomClients } from '../lib/room-clients.js';
import type { EntryOutcome, FanoutResult, HostAction } from '../lib/room-protocol.js';
import { median, percentile } from '../lib/stats.js';
import type { ScenarioContext } from './context.js';

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** Unmeasured entries (another room) and host actions (same room, same streams) first. */
const WARMUP_ENTRIES = 20;
const WARMUP_ACTIONS = 6;
const ROOM_UUID = 'bench-room';

export interface RoomsResult {
  users: number;
  apiProcesses: number;
  roomCapacity: number;
  entryInFlight: number;
  /** Successful entries ÷ (first request → last reply). */
  entriesPerS: number;
  entryP50Ms: number;
  entryP99Ms: number;
  entryMaxMs: number;
  entryFailures: number;
  /** The API processes' CPU (user + sys) during the entries, % of one core, summed. */
  entryApiCpuPct: number;
  streams: number;
  streamsOpenMs: number;
  actions: number;
  spacingMs: number;
  /** The host's action requests: request → 200 reply. */
  actionP50Ms: number;
  actionP99Ms: number;
  actionFailures: number;
  /** Notifications received that match their action, in order, of streams × actions. */
  delivered: number;
  expected: number;
  allDelivered: boolean;
  /** Notifications out of place or saying something else; seq jumps within a stream. */
  unexpected: number;
  seqGaps: number;
  /** Per delivered notification: arrival − action request sent. */
  fanoutP50Ms: number;
  fanoutP99Ms: number;
  fanoutMaxMs: number;
  /** Per delivered notification: arrival − action reply read (negative: before the reply). */
  fanoutFromReplyP50Ms: number;
  fanoutFromReplyP99Ms: number;
  fanoutFromReplyMaxMs: number;
  /** From the request, streams on the API that took the action vs on the other one (via Redis pub/sub). */
  sameApiP50Ms: number;
  sameApiP99Ms: number;
  otherApiP50Ms: number;
  otherApiP99Ms: number;
  /** Per action: request sent → the last of the streams has it (p50 / max over actions). */
  allStreamsP50Ms: number;
  allStreamsMaxMs: number;
  /** The API processes' CPU during the host's actions, % of one core, summed. */
  fanoutApiCpuPct: number;
}

async function apiCpu(apis: readonly ClassbellProcess[]): Promise<number> {
  return (await Promise.all(apis.map((a) => cpuSeconds(a.pid)))).reduce((a, b) => a + b, 0);
}

/**
 * The host's action number `i` (counted over warm-up and measured actions, so every one changes
 * something): even = muteAllChat on/off, odd = enableAudio of the next user. Its notification's
 * signature (room-protocol.ts `notificationSig`) comes with it.
 */
function hostAction(base: string, roomId: string, users: readonly EntryOutcome[], i: number): HostAction & { sig: string } {
  if (i % 2 === 0) {
    const changes = { muteAllChat: (i / 2) % 2 === 0 };
    return { path: `${base}/room/${roomId}`, body: JSON.stringify(changes), sig: `room ${JSON.stringify(changes)}` };
  }
  const k = (i - 1) / 2;
  const user = users[k % users.length]!;
  const changes = { enableAudio: Math.floor(k / users.length) % 2 === 0 }; // users entered with enableAudio false
  return { path: `${base}/room/${roomId}/user/${user.userId}`, body: JSON.stringify(changes), sig: `user ${user.userId} ${JSON.stringify(changes)}` };
}

function checkEntries(label: string, outcomes: readonly EntryOutcome[]): EntryOutcome[] {
  const failed = outcomes.filter((o) => o.failure !== null);
  if (failed.length === outcomes.length) throw new Error(`rooms ${label}: no entry succeeded, e.g. ${failed[0]?.failure ?? ''}`);
  return outcomes.filter((o) => o.failure === null);
}

export async function roomsScenario(ctx: ScenarioContext): Promise<RoomsResult> {
  const users = envInt('BENCH_ROOMS_USERS', 200);
  const actionCount = envInt('BENCH_ROOMS_ACTIONS', 50);
  const spacingMs = envInt('BENCH_ROOMS_SPACING_MS', 100);
  const entryInFlight = envInt('BENCH_ROOMS_IN_FLIGHT', 20);
  const capacity = Math.max(1000, users + WARMUP_ENTRIES + 1);
  const roomEnv = { ROOM_LARGE_CAPACITY: String(capacity), ROOM_SMALL_CAPACITY: String(capacity) };
  // The in-process instance only creates the app and cleans up (its prefix is the APIs').
  const cb = await Classbell.start('rooms', { workers: false });
  const apis: ClassbellProcess[] = [];
  let clients: RoomClients | undefined;
  try {
    await cb.createApp();
    const appId = Buffer.from(cb.appAuthorization.slice('Basic '.length), 'base64').toString('utf8').split(':')[0]!;
    const base = `/conf/v1/apps/${appId}`;
    const started = await Promise.allSettled([0, 1].map(() => ClassbellProcess.start('api', cb.prefix, roomEnv)));
    for (const s of started) if (s.status === 'fulfilled') apis.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const origins = apis.map((a) => a.origin);
    clients = await RoomClients.start();
    const entryJob = { origins, path: `${base}/room/entry`, authorization: cb.appAuthorization, inFlight: entryInFlight };
    const entryBody = (roomUuid: string, userUuid: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ roomName: 'bench room', roomUuid, userName: `name ${userUuid}`, userUuid, classType: 'large', ...extra });

    // Warm-up: entries into another room (JIT, connections, Lua scripts on both APIs).
    checkEntries('warm-up', (await clients.enter({ ...entryJob, bodies: Array.from({ length: WARMUP_ENTRIES }, (_, i) => entryBody('bench-warm', `w-${i}`)) })).outcomes);

    const [host] = checkEntries('host', (await clients.enter({ ...entryJob, origins: [origins[0]!], bodies: [entryBody(ROOM_UUID, 'host', { role: 'host' })] })).outcomes);
    const roomId = host!.roomId;

    // (1) Entries.
    ctx.log(`rooms: ${users} users entering one room, ${entryInFlight} in flight, ${apis.length} API processes`);
    const cpu0 = await apiCpu(apis);
    const entered = await clients.enter({ ...entryJob, bodies: Array.from({ length: users }, (_, i) => entryBody(ROOM_UUID, `u-${i}`, { enableAudio: false })) });
    const entryCpu = (await apiCpu(apis)) - cpu0;
    const members = checkEntries('entries', entered.outcomes);
    const entryFailures = users - members.length;
    if (entryFailures > 0) ctx.log(`rooms: ${entryFailures} entries failed, e.g. ${entered.outcomes.find((o) => o.failure !== null)?.failure ?? ''}`);
    const elsewhere = members.filter((m) => m.roomId !== roomId).length;
    if (elsewhere > 0) throw new Error(`rooms: ${elsewhere} users entered another room than the host's ${roomId}`);
    const entryLatencies = entered.outcomes.filter((o) => o.failure === null).map((o) => o.endMs - o.startMs);
    const entriesPerS = members.length / (entered.elapsedMs / 1000);
    ctx.log(`rooms: ${Math.round(entriesPerS)} entries/s, p50 ${percentile(entryLatencies, 50).toFixed(1)} ms, p99 ${percentile(entryLatencies, 99).toFixed(1)} ms`);

    // (2) Fan-out: one stream per user, user i on API i % 2.
    const streamOrigin = (i: number) => origins[i % origins.length]!;
    const opened = await clients.open({ streams: members.map((m, i) => ({ origin: streamOrigin(i), path: `${base}/room/${roomId}/events`, token: m.userToken })) });
    const fanoutJob = { origin: origins[0]!, token: host!.userToken, spacingMs, timeoutMs: 10_000 };
    const warm = Array.from({ length: WARMUP_ACTIONS }, (_, i) => hostAction(base, roomId, members, i));
    const warmRun = await clients.fanout({ ...fanoutJob, actions: warm });
    if (!warmRun.complete) ctx.log('rooms: warm-up notifications did not all arrive');
    const measured = Array.from({ length: actionCount }, (_, i) => hostAction(base, roomId, members, WARMUP_ACTIONS + i));
    ctx.log(`rooms: ${opened.opened} streams open; the host performs ${actionCount} actions ${spacingMs} ms apart`);
    const cpu1 = await apiCpu(apis);
    const run: FanoutResult = await clients.fanout({ ...fanoutJob, actions: measured });
    const fanoutCpu = (await apiCpu(apis)) - cpu1;
    const fanoutWallS = (run.actions.at(-1)!.replyMs - run.actions[0]!.startMs) / 1000;

    const fromRequest: number[] = [];
    const fromReply: number[] = [];
    const sameApi: number[] = [];
    const otherApi: number[] = [];
    const lastArrival = new Array<number>(actionCount).fill(-Infinity);
    let delivered = 0;
    let unexpected = 0;
    let seqGaps = 0;
    run.streams.forEach((stream, s) => {
      stream.messages.forEach((m, k) => {
        if (k > 0 && m.seq !== stream.messages[k - 1]!.seq + 1) seqGaps++;
        const action = run.actions[k];
        if (!action || m.sig !== measured[k]!.sig) {
          unexpected++;
          return;
        }
        delivered++;
        const latency = m.atMs - action.startMs;
        fromRequest.push(latency);
        fromReply.push(m.atMs - action.replyMs);
        (streamOrigin(s) === origins[0] ? sameApi : otherApi).push(latency);
        lastArrival[k] = Math.max(lastArrival[k]!, m.atMs);
      });
    });
    const expected = members.length * actionCount;
    const allStreams = lastArrival.map((at, k) => at - run.actions[k]!.startMs).filter(Number.isFinite);
    const actionLatencies = run.actions.map((a) => a.replyMs - a.startMs);
    const actionFailures = run.actions.filter((a) => a.status !== 200 || a.code !== 0).length;
    if (delivered < expected) ctx.log(`rooms: only ${delivered} of ${expected} notifications delivered (${unexpected} unexpected, ${run.streams.filter((s) => s.ended).length} streams ended)`);
    ctx.log(`rooms: fan-out p50 ${percentile(fromRequest, 50).toFixed(1)} ms, p99 ${percentile(fromRequest, 99).toFixed(1)} ms, ${delivered}/${expected} delivered`);
    return {
      users, apiProcesses: apis.length, roomCapacity: capacity, entryInFlight,
      entriesPerS, entryP50Ms: percentile(entryLatencies, 50), entryP99Ms: percentile(entryLatencies, 99), entryMaxMs: percentile(entryLatencies, 100),
      entryFailures, entryApiCpuPct: (entryCpu / (entered.elapsedMs / 1000)) * 100,
      streams: opened.opened, streamsOpenMs: opened.elapsedMs,
      actions: actionCount, spacingMs,
      actionP50Ms: percentile(actionLatencies, 50), actionP99Ms: percentile(actionLatencies, 99), actionFailures,
      delivered, expected, allDelivered: delivered === expected, unexpected, seqGaps,
      fanoutP50Ms: percentile(fromRequest, 50), fanoutP99Ms: percentile(fromRequest, 99), fanoutMaxMs: percentile(fromRequest, 100),
      fanoutFromReplyP50Ms: percentile(fromReply, 50), fanoutFromReplyP99Ms: percentile(fromReply, 99), fanoutFromReplyMaxMs: percentile(fromReply, 100),
      sameApiP50Ms: percentile(sameApi, 50), sameApiP99Ms: percentile(sameApi, 99),
      otherApiP50Ms: percentile(otherApi, 50), otherApiP99Ms: percentile(otherApi, 99),
      allStreamsP50Ms: median(allStreams), allStreamsMaxMs: percentile(allStreams, 100),
      fanoutApiCpuPct: (fanoutCpu / fanoutWallS) * 100,
    };
  } finally {
    await clients?.close();
    await Promise.all(apis.map((a) => a.stop()));
    await cb.close();
  }
}
