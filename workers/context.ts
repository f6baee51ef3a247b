import type { Config } from '../src/config.js';
import type { Deps } from '../src/deps.js';
import type { PushClient } from '../src/lib/http-push.js';
import type { Logger } from '../src/lib/logger.js';
import type { Tracing } from '../src/lib/tracing.js';
import type { Scheduler } from '../src/queue/scheduler.js';
import type { DeliveryStore } from '../src/store/deliveries.js';
import type { OutboxStore } from '../src/store/outbox.js';
import type { SchoolStore } from '../src/store/schools.js';
import type { DrainLinger } from './drain-linger.js';
import type { PushGate } from './push-gate.js';

/** What the job processors need; built once per worker process. */
export interface WorkerContext {
  config: Pick<Config, 'deliveryTimeoutMs' | 'retryScheduleMs' | 'drainBatch' | 'drainSliceMs' | 'deliveryRetentionS'>;
  logger: Logger;
  client: PushClient;
  scheduler: Scheduler;
  outbox: OutboxStore;
  schools: SchoolStore;
  deliveries: DeliveryStore;
  /** Drains waiting on an empty outbox for their school's next event. */
  linger: DrainLinger;
  /** The schools' maxPushesPerS. */
  pushGate: PushGate;
  /** Everything, for the jobs that ingest events themselves (summary, Net). */
  deps: Deps;
  /** OpenTelemetry traces (docs/tracing.md); undefined when off, the only check on the push path. */
  tracing?: Tracing | undefined;
  /** Set on shutdown: drains yield after their current push. */
  stopping: { value: boolean };
}
