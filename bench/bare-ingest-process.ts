/**
 * The yardstick for single-event ingest: a bare express handler that parses the same JSON body
 * (express.json, as classbell) and does one Redis XADD, answering 202 with the entry id.
 * Runs in its own process, like classbell's API in the ingest scenario. argv[2] = stream key.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { REDIS_URL } from './lib/redis-util.js';

const key = process.argv[2];
if (!key) throw new Error('usage: bare-ingest-process.ts <stream key>');
const redis = new Redis(REDIS_URL);
const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '1mb', strict: true }));
app.post('/v1/events', async (req, res) => {
  const id = await redis.xadd(key, '*', 'event', JSON.stringify(req.body));
  res.status(202).json({ accepted: [id] });
});
const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port });
});
server.keepAliveTimeout = 60_000;
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
  redis.disconnect();
});
