import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { ADMIN_TOKEN, REDIS_URL, dropPrefix, uniquePrefix, waitFor } from '../helpers/harness.js';
import { freePort, startMain } from '../helpers/process.js';

const MIB = 1024 * 1024;

/** A raw connection: what the server sent, and whether it closed the connection. */
interface RawClient {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

async function open(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined); // a reset after the server hangs up is expected
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => text, closed };
}

const postHead = (path: string, length: number, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/**
 * Issue 17, point 6, on the real API process (src/main.ts, default settings): credentials are
 * checked from the headers before the body is read, and the server's timeouts cut slow clients.
 */
describe('credentials before the body; server timeouts', () => {
  let api: ReturnType<typeof startMain>;
  let port: number;
  const prefix = uniquePrefix('bodyauth');
  /** The API process's resident memory, for the record (not asserted: it depends on the machine). */
  const rssMiB = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${api.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  beforeAll(async () => {
    port = await freePort();
    api = startMain(['--role=api'], { NODE_ENV: 'test', REDIS_URL, ADMIN_TOKEN, KEY_PREFIX: prefix, PORT: String(port), LOG_LEVEL: 'warn' });
    await waitFor('the API', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, 20_000);
  });
  afterAll(async () => {
    api.child.kill('SIGTERM');
    await api.exited;
    await dropPrefix(prefix);
  });

  it('answers an unauthenticated POST with 401 before a byte of its 1 MiB body is sent, and hangs up', async () => {
    const client = await open(port);
    client.socket.write(postHead('/v1/events', MIB));
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(client.received()).toMatch(/connection: close/i);
  });

  it('cuts 50 unauthenticated connections holding 1 MiB bodies at once, without reading them', async () => {
    const before = await rssMiB();
    const clients = await Promise.all(Array.from({ length: 50 }, () => open(port)));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (const [i, c] of clients.entries()) {
      const path = i % 2 === 0 ? '/v1/events' : `/conf/v1/apps/${'a'.repeat(32)}/room/entry`;
      c.socket.write(postHead(path, MIB, i % 4 === 1 ? 'Authorization: Bearer wrong-token-xxxxxxxxxxxx\r\n' : ''));
      c.socket.write(chunk); // then hold the rest
    }
    await Promise.all(clients.map((c) => c.closed));
    for (const c of clients) expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
    console.log(`API process RSS: ${before.toFixed(1)} MiB before 50 held 1 MiB bodies, ${(await rssMiB()).toFixed(1)} MiB after`);
  });

  // Node's defaults (60 s for headers, checked every 30 s; 300 s for a request) would run past the test's limit.
  it('closes connections whose headers or body never finish (headersTimeout, requestTimeout)', async () => {
    const slowHeaders = await open(port);
    slowHeaders.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '); // and nothing more
    const slowBody = await open(port);
    slowBody.socket.write(postHead('/v1/events', 100, `Authorization: Bearer ${ADMIN_TOKEN}\r\n`));
    slowBody.socket.write('{"events": ['); // an admin may send a body, but not forever
    await Promise.all([slowHeaders.closed, slowBody.closed]);
    expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 45_000);
});
