import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * How long a client may take, so slow or idle connections cannot pile up: its request headers
 * (slowloris), its whole request with the body (a 1 MiB body at 35 KiB/s; Node's default is
 * 300 s), and the pause between two requests on a kept-alive connection.
 */
const SERVER_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 } as const;

/** An HTTP server with SERVER_TIMEOUTS, checked every second (Node checks every 30 s by default). */
export function createHttpServer(handler: RequestListener): Server {
  const server = createServer({
    headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
    requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
    connectionsCheckingInterval: 1000,
  }, handler);
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeoutMs;
  server.on('clientError', answerClientError);
  return server;
}

/**
 * A request Node refuses before express sees it (headers or URL over 16 KiB, a malformed request,
 * a client too slow) is answered like every other API error, `{error: {code, message}}`, instead of
 * Node's empty reply, and the connection is closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', 'the request headers (URL included) are larger than 16 KiB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'the request took too long to arrive']
        : [400, 'bad_request', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
