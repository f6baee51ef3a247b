/**
 * Agora RTM ("Signaling") RESTful API, the one call classbell makes: send a channel message.
 * As Agora documents it: `POST <base>/dev/v2/project/<appid>/rtm/users/<user_id>/channel_messages`,
 * HTTP Basic authentication with the Customer ID and Customer Secret, a JSON body
 * `{channel_name, enable_historical_messaging, payload}` with the payload a string (at most 32 KB),
 * and 200 `{"result": "success", "code": "message_sent", …}`. With Basic authentication any user id
 * may send; the sender needs no RTM login.
 */
import { PushClient } from './http-push.js';

/** The RTM user id classbell sends as (not a number, so it never collides with a client's uid). */
export const RTM_SENDER_ID = 'classbell';
/** One send's time limit. */
const RTM_SEND_TIMEOUT_MS = 10_000;

export interface AgoraRtmRestConfig {
  /** e.g. `https://api.agora.io` (no trailing slash). */
  baseUrl: string;
  /** The Agora project (App ID) whose RTM channels are written to. */
  appId: string;
  customerId: string;
  customerSecret: string;
}

/** `retry`: network trouble, a timeout, 429 or 5xx; `rejected`: every other 4xx (the message is dropped). */
export type RtmSendOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; reason: string }
  | { kind: 'rejected'; status: number; reason: string };

/** Sends RTM channel messages over a small keep-alive pool. */
export class AgoraRtmClient {
  private readonly http = new PushClient({ connectionsPerOrigin: 16 });
  private readonly url: string;
  private readonly authorization: string;

  constructor(config: AgoraRtmRestConfig) {
    this.url = `${config.baseUrl}/dev/v2/project/${encodeURIComponent(config.appId)}/rtm/users/${RTM_SENDER_ID}/channel_messages`;
    this.authorization = `Basic ${Buffer.from(`${config.customerId}:${config.customerSecret}`, 'utf8').toString('base64')}`;
  }

  /** Sends `payload` (a string) to everyone in `channel`; not stored as history. */
  async sendChannelMessage(channel: string, payload: string): Promise<RtmSendOutcome> {
    const body = JSON.stringify({ channel_name: channel, enable_historical_messaging: false, payload });
    const headers = { 'content-type': 'application/json;charset=utf-8', accept: 'application/json', authorization: this.authorization };
    const result = await this.http.post(this.url, body, headers, RTM_SEND_TIMEOUT_MS);
    if (result.kind !== 'reply') return { kind: 'retry', reason: `${result.kind}: ${result.error}` };
    if (result.status >= 200 && result.status < 300) return { kind: 'sent' };
    // The reply's first bytes say why (Agora answers JSON); never the request, which holds the payload.
    const reason = `HTTP ${result.status}: ${result.body.slice(0, 200)}`;
    if (result.status === 429 || result.status >= 500) return { kind: 'retry', reason };
    return { kind: 'rejected', status: result.status, reason };
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
