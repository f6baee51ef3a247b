import { createServer, type RequestListener, type Server } from 'node:http';

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
  return server;
}
