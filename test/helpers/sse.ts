import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface Sse {
  messages: { id: string; data: { cmd: number; seq: number; data: Record<string, unknown> } }[];
  ended: boolean;
  close(): void;
}

/** A minimal EventSource over node:http, recording every event and whether the server ended it. */
export function openSse(port: number, path: string, headers: Record<string, string> = {}): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const sse: Sse = { messages: [], ended: false, close: () => undefined };
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE status ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) sse.messages.push({ id, data: JSON.parse(data) as Sse['messages'][0]['data'] });
        }
      });
      res.on('end', () => { sse.ended = true; });
      res.on('close', () => { sse.ended = true; });
      sse.close = () => req.destroy();
      resolve(sse);
    });
    req.on('error', (e) => (sse.close === undefined ? reject(e) : undefined));
    req.end();
  });
}

