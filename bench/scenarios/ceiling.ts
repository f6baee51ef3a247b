/**
 * The raw-HTTP ceiling: the same PushClient posting the same signed bodies (toWire, completeBody,
 * SafeKey, pushHeaders, the reply classified as the drain does) to the same receivers, one request
 * in flight per school, each school's events in order — no queue, no Redis, no log. What ordered
 * delivery costs on this machine's network and receivers alone; classbell's flood ÷ this is
 * `ceilingRatio`.
 */
import { classifyReply } from '../../src/domain/ack.js';
import { generateSecret } from '../../src/domain/signing.js';
import { PushClient } from '../../src/lib/http-push.js';
import { benchConfig, handsUp } from '../lib/classbell.js';
import { CpuMeter, type CpuPerEvent } from '../lib/cpu.js';
import { nowEpochMs } from '../lib/receiver-protocol.js';
import { benchRedis } from '../lib/redis-util.js';
import { acceptedEvent, signedPush } from '../lib/signed-push.js';
import { ratePerS } from '../lib/stats.js';
import { schoolIds, warmupEvents } from '../lib/workload.js';
import { CONNECTIONS_PER_ORIGIN } from './baseline.js';
import { deliveryTimeoutMs, type ScenarioContext } from './context.js';

export interface CeilingResult {
  deliveredPerS: number;
  /** CPU per event of the bench process (the posting side: body, signature, HTTP client), Redis (idle here) and receivers. */
  floodCpu: CpuPerEvent;
  orderViolations: number;
  duplicates: number;
}

/** Every school posts its `perSchool` events one after another; all schools at once. */
async function postAll(client: PushClient, ctx: ScenarioContext, sids: number[], events: number, timeoutMs: number): Promise<void> {
  const secrets = new Map(sids.map((sid) => [sid, generateSecret()]));
  const perSchool = (i: number) => Math.floor(events / sids.length) + (i < events % sids.length ? 1 : 0);
  await Promise.all(sids.map(async (sid, i) => {
    const secret = secrets.get(sid)!;
    const url = ctx.receiver.url(sid);
    for (let seq = 1; seq <= perSchool(i); seq++) {
      const nowMs = Date.now();
      const { body, headers } = signedPush(acceptedEvent(handsUp(sid, seq), nowMs), secret, nowMs);
      const result = await client.post(url, body, headers, timeoutMs);
      if (result.kind !== 'reply') throw new Error(`ceiling: ${result.kind}: ${result.error}`);
      const { outcome } = classifyReply(result.status, result.body);
      if (outcome !== 'delivered') throw new Error(`ceiling: push ${outcome} (HTTP ${result.status})`);
    }
  }));
}

export async function ceilingScenario(ctx: ScenarioContext): Promise<CeilingResult> {
  const config = benchConfig('ceiling');
  const sids = schoolIds(ctx.schools);
  const client = new PushClient({ connectionsPerOrigin: CONNECTIONS_PER_ORIGIN });
  try {
    const warmup = warmupEvents(ctx.events);
    if (warmup > 0) {
      await ctx.receiver.reset();
      await postAll(client, ctx, sids, warmup, config.deliveryTimeoutMs);
    }
    await ctx.receiver.reset();
    const meterRedis = benchRedis();
    const cpu = await CpuMeter.start(meterRedis, ctx.receiver.pid);
    const firstStartMs = nowEpochMs();
    await postAll(client, ctx, sids, ctx.events, config.deliveryTimeoutMs);
    const { reached, stats } = await ctx.receiver.waitFor(ctx.events, deliveryTimeoutMs(ctx.events));
    const floodCpu = await cpu.perEvent(ctx.events);
    meterRedis.disconnect();
    if (!reached || stats.lastAtMs === null) throw new Error(`ceiling: ${stats.events} of ${ctx.events} pushes arrived`);
    const deliveredPerS = ratePerS(ctx.events, firstStartMs, stats.lastAtMs);
    ctx.log(`ceiling: raw HTTP, one push in flight per school: ${Math.round(deliveredPerS)}/s`);
    return { deliveredPerS, floodCpu, orderViolations: stats.orderViolations, duplicates: stats.duplicates };
  } finally {
    await client.close();
  }
}
