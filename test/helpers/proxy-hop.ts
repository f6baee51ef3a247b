import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 on a free port; resolves with the server and its port. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A minimal reverse proxy on loopback, as nginx would be: it appends the address its client
 * connected from to X-Forwarded-For and forwards to 127.0.0.1:targetPort, connecting from
 * `ownAddress` (any 127.x address is loopback on Linux), so the proxy has an address of its own.
 */
export async function startProxyHop(targetPort: number, ownAddress: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, localAddress: ownAddress, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': forwarded }, agent: false },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const port = await listenLoopback(server);
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One GET from a chosen loopback source address; resolves with the status code. */
export function getFrom(source: string, port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress: source, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
