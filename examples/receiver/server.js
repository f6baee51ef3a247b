// A minimal receiver for classbell pushes (ClassIn data-subscription format).
//   CLASSIN_SECRET=<school secret> SID=257 PORT=3000 node server.js
// It verifies SafeKey and the webhook signature, refuses stale pushes, drops
// repeated _ids and acknowledges with errno 1. Put your own handling in
// handleEvent(). See README.md.
import express from 'express';
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { RecentIds, verifyPush } from './verify.js';

const ACK = { error_info: { errno: 1, error: '程序正常执行' } };

/** Your business logic: store the event, enqueue work… Throw to make classbell retry. */
async function handleEvent(body) {
  log(`event ${body._id} Cmd ${JSON.stringify(body.Cmd)} SID ${body.SID}${body.ClassID ? ` ClassID ${body.ClassID}` : ''}`);
}

function log(line) {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function reply(res, status, errno, error) {
  res.status(status).json({ error_info: { errno, error } });
}

/**
 * The express app: POST `path` receives pushes. `onEvent` runs once per new
 * `_id` (after verification); the registration test push is only acknowledged.
 */
export function createReceiver({ secret, sid, path = '/classin', onEvent = handleEvent, recentIds = new RecentIds(10_000) }) {
  if (!secret) throw new Error('the school secret is required (CLASSIN_SECRET)');
  const app = express();
  // The signature is over the exact bytes: keep them raw, parse JSON ourselves.
  app.post(path, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let body;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return reply(res, 400, 2, 'body is not JSON');
    }
    const refusal = verifyPush({ secret, sid, headers: req.headers, rawBody, body });
    if (refusal) {
      log(`refused ${req.headers['webhook-id'] ?? '?'}: ${refusal.error}`);
      return reply(res, refusal.status, refusal.errno, refusal.error);
    }
    if (body.Cmd === 'Test') {
      log(`registration test push for SID ${body.SID} acknowledged`);
      return res.json(ACK);
    }
    const id = typeof body._id === 'string' ? body._id : undefined;
    if (id !== undefined && recentIds.has(id)) {
      log(`duplicate ${id} acknowledged, not processed again`);
      return res.json(ACK);
    }
    try {
      await onEvent(body);
    } catch (error) {
      log(`failed ${id}: ${error instanceof Error ? error.message : String(error)}`);
      // Not errno 1: classbell retries this event, and holds the next ones back until it succeeds.
      return reply(res, 500, 0, 'processing failed, retry later');
    }
    // Remembered only once processed, so a failed event is processed again on retry.
    if (id !== undefined) recentIds.add(id);
    return res.json(ACK);
  });
  return app;
}

function main() {
  const sid = process.env.SID ? Number(process.env.SID) : undefined;
  if (sid !== undefined && !Number.isSafeInteger(sid)) throw new Error(`SID must be an integer, got ${process.env.SID}`);
  const path = process.env.RECEIVER_PATH ?? '/classin';
  const app = createReceiver({ secret: process.env.CLASSIN_SECRET, sid, path });
  const host = process.env.HOST ?? '127.0.0.1';
  const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
    const { port } = server.address();
    log(`listening on http://${host}:${port}${path}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
