import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
  at: number;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** How the receiver answers one push: a status and body, or a function of the push. */
export type Reply = { status?: number; body?: string; delayMs?: number; destroy?: boolean; headers?: Record<string, string> };
export type ReplyFn = (push: ReceivedPush, index: number) => Reply;

export const ACK = JSON.stringify({ error_info: { errno: 1, error: '程序正常执行' } });

/** A real HTTP endpoint on loopback that records every push and answers as told. */
export class Receiver {
  readonly pushes: ReceivedPush[] = [];
  private server: Server | undefined;
  reply: ReplyFn = () => ({ status: 200, body: ACK });

  get url(): string {
    const port = (this.server!.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}/classin`;
  }

  /** Listens on a free port of `host` ('::' also takes IPv4 and IPv4-mapped connections). */
  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          body = {};
        }
        const push: ReceivedPush = { at: Date.now(), headers: req.headers, raw, body };
        const index = this.pushes.push(push) - 1;
        this.answer(res, this.reply(push, index));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    return this;
  }

  private answer(res: ServerResponse, reply: Reply): void {
    const send = () => {
      if (reply.destroy) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? ACK);
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  }

  /** Event pushes (not registration tests), in arrival order. */
  events(): ReceivedPush[] {
    return this.pushes.filter((p) => p.body.Cmd !== 'Test');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
