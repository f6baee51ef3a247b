/** axios vs classbell's undici PushClient posting the same signed body to the receiver. */
import { Agent as HttpAgent } from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { classifyReply } from '../../src/domain/ack.js';
import { generateSecret, pushHeaders, safeKey } from '../../src/domain/signing.js';
import { completeBody, toWire, wirePrefix } from '../../src/domain/wire.js';
import { PushClient } from '../../src/lib/http-push.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { handsUp } from '../lib/classbell.js';
import type { ScenarioContext } from './context.js';
import { CONNECTIONS_PER_ORIGIN } from './baseline.js';

export const REQUESTS = 5000;
export const CONCURRENCY = 50;
const WARMUP_REQUESTS = 500;
const TIMEOUT_MS = 10_000;

export interface HttpClientResult {
  requests: number;
  concurrency: number;
  connections: number;
  undiciPerS: number;
  axiosPerS: number;
  /** undiciPerS ÷ axiosPerS. */
  undiciOverAxios: number;
  failures: number;
}

type Post = (url: string, body: string, headers: Record<string, string>) => Promise<boolean>;

/** `requests` posts, `concurrency` at a time; returns requests/s and failures. */
async function hammer(post: Post, url: string, requests: number, body: string, headers: Record<string, string>) {
  let next = 0;
  let failures = 0;
  const startMs = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < requests) {
      next++;
      if (!(await post(url, body, headers))) failures++;
    }
  }));
  return { perS: requests / ((performance.now() - startMs) / 1000), failures };
}

export async function httpClientScenario(ctx: ScenarioContext): Promise<HttpClientResult> {
  const secret = generateSecret();
  const nowMs = Date.now();
  const event = { ...handsUp(1, 1), id: DeliveryStore.assignId(1, nowMs), actionTime: Math.floor(nowMs / 1000) };
  const ts = Math.floor(nowMs / 1000);
  const body = completeBody(wirePrefix(toWire(event)), ts, safeKey(secret, ts));
  const headers = pushHeaders(secret, event.id, ts, body) as unknown as Record<string, string>;

  const push = new PushClient({ connectionsPerOrigin: CONNECTIONS_PER_ORIGIN });
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CONNECTIONS_PER_ORIGIN });
  const ax: AxiosInstance = axios.create({
    httpAgent: agent, timeout: TIMEOUT_MS, maxRedirects: 0, responseType: 'text',
    transformResponse: [(data: unknown) => data], validateStatus: () => true,
  });
  const viaUndici: Post = async (url, b, h) => {
    const r = await push.post(url, b, h, TIMEOUT_MS);
    return r.kind === 'reply' && classifyReply(r.status, r.body).outcome === 'delivered';
  };
  const viaAxios: Post = async (url, b, h) => {
    try {
      const r = await ax.post<string>(url, b, { headers: h });
      return classifyReply(r.status, r.data).outcome === 'delivered';
    } catch {
      return false;
    }
  };
  try {
    const url = ctx.receiver.sinkUrl;
    await hammer(viaUndici, url, WARMUP_REQUESTS, body, headers);
    await hammer(viaAxios, url, WARMUP_REQUESTS, body, headers);
    const undici = await hammer(viaUndici, url, REQUESTS, body, headers);
    const viaAx = await hammer(viaAxios, url, REQUESTS, body, headers);
    ctx.log(`http client: undici ${Math.round(undici.perS)}/s, axios ${Math.round(viaAx.perS)}/s`);
    return {
      requests: REQUESTS, concurrency: CONCURRENCY, connections: CONNECTIONS_PER_ORIGIN,
      undiciPerS: undici.perS, axiosPerS: viaAx.perS, undiciOverAxios: undici.perS / viaAx.perS,
      failures: undici.failures + viaAx.failures,
    };
  } finally {
    await push.close();
    agent.destroy();
  }
}
