import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One send-channel-message call as the local RTM service saw it. */
export interface RtmCall {
  appId: string;
  userId: string;
  channel: string;
  enableHistoricalMessaging: boolean;
  /** The payload string, parsed (classbell sends the notification's JSON). */
  payload: { cmd: number; version: number; timestamp: number; seq: number; data: Record<string, unknown> };
  /** The status this call was answered with. */
  status: number;
}

/** What to answer a valid call with (default 200); `hold` keeps the reply back until it resolves. */
export type RtmReply = { status?: number; hold?: Promise<void> };

const PATH = /^\/dev\/v2\/project\/([^/]+)\/rtm\/users\/([^/]+)\/channel_messages$/;

/**
 * A local stand-in for Agora's RTM RESTful API, implementing the documented send-channel-message
 * call: `POST /dev/v2/project/<appid>/rtm/users/<user_id>/channel_messages`, Basic authentication
 * with the customer ID and secret (401 otherwise), JSON body `{channel_name, enable_historical_messaging,
 * payload}` with a string payload of at most 32 KB (400 otherwise), 200
 * `{"result":"success","request_id":…,"code":"message_sent"}` on success.
 */
export class RtmServer {
  readonly calls: RtmCall[] = [];
  /** Requests refused before the reply function ran (bad path, auth or body), with the reason. */
  readonly refused: string[] = [];
  reply: (call: Omit<RtmCall, 'status'>, index: number) => RtmReply = () => ({});
  private server: Server | undefined;

  constructor(private readonly customerId: string, private readonly customerSecret: string) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private refuse(res: ServerResponse, status: number, reason: string): void {
    this.refused.push(reason);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ result: 'failure', reason }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = PATH.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return this.refuse(res, 404, `no such call: ${req.method} ${req.url}`);
    const expected = `Basic ${Buffer.from(`${this.customerId}:${this.customerSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return this.refuse(res, 401, 'bad credentials');
    if (!String(req.headers['content-type']).startsWith('application/json')) return this.refuse(res, 400, 'not JSON');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.refuse(res, 400, 'body is not JSON');
    }
    const { channel_name: channel, enable_historical_messaging: history, payload } = body;
    if (typeof channel !== 'string' || channel === '' || typeof payload !== 'string' || Buffer.byteLength(payload) > 32 * 1024
      || (history !== undefined && typeof history !== 'boolean')) return this.refuse(res, 400, `bad body ${JSON.stringify(body)}`);
    const call = { appId: match[1]!, userId: decodeURIComponent(match[2]!), channel, enableHistoricalMessaging: history === true, payload: JSON.parse(payload) as RtmCall['payload'] };
    const { status = 200, hold } = this.reply(call, this.calls.length);
    this.calls.push({ ...call, status });
    if (hold) await hold;
    const reply = status === 200 ? { result: 'success', request_id: String(this.calls.length), code: 'message_sent' } : { result: 'failure' };
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  }
}
