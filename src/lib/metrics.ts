import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** Metrics of one process as prom-client's `getMetricsAsJSON` gives them. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Collects figures read from Redis at scrape time (backlogs, rooms); returns nothing. */
export type ScrapeCollector = () => Promise<void>;

/**
 * classbell's Prometheus metrics. One registry per process (never the global default), so tests
 * that build several apps in one process keep them apart.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsIngested = new Counter({
    name: 'classbell_events_ingested_total', help: 'Events accepted by type', labelNames: ['type'] as const, registers: [this.registry],
  });
  readonly ingestRequests = new Counter({
    name: 'classbell_ingest_requests_total', help: 'POST /v1/events requests by the path that served them: fast (src/api/ingest-fast-path.ts) or express',
    labelNames: ['path'] as const, registers: [this.registry],
  });
  readonly pushes = new Counter({
    name: 'classbell_pushes_total', help: 'Push attempts by outcome', labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly pushDuration = new Histogram({
    name: 'classbell_push_duration_seconds', help: 'Duration of one push attempt',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly ingestToAck = new Histogram({
    name: 'classbell_ingest_to_ack_seconds', help: 'From acceptance of an event to its acknowledgement by the school',
    buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 60, 300, 3600, 86_400], registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: 'classbell_backlog_events', help: 'Events waiting per school (the top schools by backlog, and sid="total")',
    labelNames: ['sid'] as const, registers: [this.registry],
  });
  readonly oldestPendingAge = new Gauge({
    name: 'classbell_oldest_pending_age_seconds', help: 'Age of the head event per school (the top schools by backlog)',
    labelNames: ['sid'] as const, registers: [this.registry],
  });
  readonly schools = new Gauge({
    name: 'classbell_schools', help: 'Registered schools by status', labelNames: ['status'] as const, registers: [this.registry],
  });
  readonly drainsWaiting = new Gauge({
    name: 'classbell_drains_waiting', help: 'Drains waiting on their school\'s empty outbox for its next event (DRAIN_LINGER_MS)', registers: [this.registry],
  });
  readonly drainWaits = new Counter({
    name: 'classbell_drain_waits_total', help: 'Ended waits of drains on an empty outbox, by how they ended (event, timeout, evicted: a job needed the slot, stopping)',
    labelNames: ['end'] as const, registers: [this.registry],
  });
  readonly drainHandoffs = new Counter({
    name: 'classbell_drain_handoff_events_total', help: 'Events the ingest handed to a drain waiting on their school\'s empty outbox (pushed without a fetch)',
    registers: [this.registry],
  });
  readonly activeRooms = new Gauge({ name: 'classbell_rooms_active', help: 'Rooms that exist now', registers: [this.registry] });
  readonly roomUsers = new Gauge({ name: 'classbell_room_users_online', help: 'Users online in rooms', registers: [this.registry] });
  private readonly collectors: ScrapeCollector[] = [];
  private readonly otherProcesses: (() => Promise<MetricsJson[]>)[] = [];

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'classbell_' });
  }

  /** Registers a collector run before every scrape. */
  onScrape(collector: ScrapeCollector): void {
    this.collectors.push(collector);
  }

  /** Adds the metrics of other processes (the worker processes `npm start` runs) to every scrape. */
  addProcesses(source: () => Promise<MetricsJson[]>): void {
    this.otherProcesses.push(source);
  }

  /** This process's metrics as JSON (what a worker process sends the API for its scrape). */
  async json(): Promise<MetricsJson> {
    return (await this.registry.getMetricsAsJSON()) as MetricsJson;
  }

  /**
   * The Prometheus text exposition, after refreshing the scrape-time figures; with other processes,
   * their values added to this one's (prom-client's aggregation: counters and histograms summed).
   */
  async render(): Promise<string> {
    await Promise.all(this.collectors.map((c) => c()));
    const others = (await Promise.all(this.otherProcesses.map((source) => source()))).flat();
    if (others.length === 0) return this.registry.metrics();
    return AggregatorRegistry.aggregate([await this.json(), ...others]).metrics();
  }
}
