import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';

/** Where the admin router mounts Bull Board. */
const QUEUES_PATH = '/admin/queues';

/** Bull Board's express app for classbell's queue, served under QUEUES_PATH. */
export function queuesBoard(queue: Queue): RequestHandler {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue)],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'classbell queues', miscLinks: [{ text: 'Dashboard', url: '/admin' }] } },
  });
  // getRouter() is typed `any` upstream; it is an express app, i.e. a request handler.
  return serverAdapter.getRouter() as RequestHandler;
}
