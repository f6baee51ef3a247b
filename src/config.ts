import { z } from 'zod';
import { parseRetrySchedule } from './domain/retry-policy.js';
import { parseTrustProxy, type TrustProxy } from './lib/trust-proxy.js';


const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** OTLP over HTTP only: classbell ships the HTTP exporters (protobuf and JSON), not gRPC. */
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], 'expected http/protobuf or http/json (grpc is not supported)');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    PORT: int(0, 65_535).default(8080),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    REDIS_CLUSTER_NODES: z
      .string()
      .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'expected host:port,host:port…')
      .optional(),
    REDIS_SENTINELS: z.string().regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'expected host:port,host:port…').optional(),
    REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a Sentinel master name (letters, digits, . _ -)').default('mymaster'),
    REDIS_MIN_REPLICAS_ACK: int(0, 100).default(0),
    REDIS_WAIT_TIMEOUT_MS: int(10, 60_000).default(1000),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    ALLOW_PRIVATE_ENDPOINTS: bool.default(false),
    DELIVERY_TIMEOUT_MS: int(100, 300_000).default(10_000),
    RETRY_SCHEDULE: z
      .string()
      .default('1s,2s,5s,10s')
      .transform((text, ctx) => {
        try {
          return parseRetrySchedule(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    SUMMARY_DELAY_S: int(0, 7 * 86_400).default(1200),
    ROOM_EMPTY_TTL_S: int(0, 7 * 86_400).default(3600),
    HEARTBEAT_INTERVAL_S: int(1, 3600).default(30),
    ROOM_SMALL_CAPACITY: int(2, 10_000).default(10),
    ROOM_SMALL_STAGE_SEATS: int(1, 10_000).default(4),
    ROOM_LARGE_CAPACITY: int(2, 100_000).default(50),
    ROOM_LARGE_STAGE_SEATS: int(1, 10_000).default(1),
    ROOM_EVENT_BUFFER: int(10, 100_000).default(500),
    ROOM_TOKEN_TTL_S: int(60, 86_400).default(86_400),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
    AGORA_APP_ID: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex characters').optional(),
    AGORA_APP_CERTIFICATE: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex characters').optional(),
    ZEGO_APP_ID: int(1, 2 ** 32 - 1).optional(),
    ZEGO_SERVER_SECRET: z.string().length(32, 'must be exactly 32 characters').optional(),
    ZEGO_TOKEN_MODE: z.enum(['gcm', 'cbc']).default('gcm'),
    AGORA_RTM_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
    AGORA_CUSTOMER_ID: z.string().max(256).optional(),
    AGORA_CUSTOMER_SECRET: z.string().max(256).optional(),
    WHITEBOARD_APP_ID: z.string().min(1).max(128).optional(),
    WHITEBOARD_AK: z.string().min(1).max(256).optional(),
    WHITEBOARD_SK: z.string().min(1).max(256).optional(),
    WHITEBOARD_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    WHITEBOARD_REGION: z.enum(['us-sv', 'sg', 'in-mum', 'eu', 'cn-hz']).default('us-sv'),
    // classbell's own settings (not in the contract, documented in docs/configuration.md)
    KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('cb'),
    WORKER_CONCURRENCY: int(1, 10_000).default(200),
    WORKER_PROCESSES: int(0, 64).default(1),
    DRAIN_BATCH: int(1, 1000).default(64),
    DRAIN_SLICE_MS: int(10, 60_000).default(1000),
    DRAIN_LINGER_MS: int(0, 60_000).default(2000),
    DELIVERY_RETENTION_S: int(60, 365 * 86_400).default(7 * 86_400),
    JOB_LOCK_MS: int(1000, 600_000).default(3000),
    ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    ALERT_AFTER_S: int(1, 7 * 86_400).default(3600),
    ALERT_CHECK_INTERVAL_MS: int(100, 3_600_000).default(60_000),
    METRICS_PORT: int(0, 65_535).default(9464),
    REDIS_TUNE: bool.default(true),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    INGEST_RATE_LIMIT_PER_S: int(0, 10_000_000).default(20_000),
    AUTH_FAILURE_LIMIT: int(0, 1_000_000).default(20),
    AUTH_FAILURE_WINDOW_S: int(1, 86_400).default(60),
    TRUST_PROXY: z.string().transform((text, ctx) => {
      const parsed = parseTrustProxy(text);
      if ('value' in parsed) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }).optional(),
    PUSH_CONNECTIONS_PER_ORIGIN: int(1, 1024).default(128),
    SHUTDOWN_TIMEOUT_MS: int(1000, 600_000).default(30_000),
    REDIS_DATA_DIR: z.string().default('./data'),
    // OpenTelemetry (docs/tracing.md): classbell reads these to decide whether to trace and with
    // which exporter; the SDK reads them (and the other OTEL_* variables) itself.
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.default('http/protobuf'),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
    OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], 'expected otlp or none').default('otlp'),
    OTEL_SDK_DISABLED: bool.default(false),
  })

/** Every environment variable classbell reads (docs/configuration.md must list exactly these). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

/** Rules across variables, checked on the raw values so they are reported with every other problem. */
function crossProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env.ADMIN_TOKEN && env.NODE_ENV !== 'development') problems.push('ADMIN_TOKEN: required unless NODE_ENV=development');
  if (Boolean(env.AGORA_APP_ID) !== Boolean(env.AGORA_APP_CERTIFICATE)) {
    problems.push('AGORA_APP_CERTIFICATE: AGORA_APP_ID and AGORA_APP_CERTIFICATE go together');
  }
  if (env.ALERT_WEBHOOK_URL && !env.ALERT_WEBHOOK_SECRET) {
    problems.push('ALERT_WEBHOOK_SECRET: required with ALERT_WEBHOOK_URL (alerts are signed with it)');
  }
  if (env.AGORA_RTM_REST_URL && !(env.AGORA_CUSTOMER_ID && env.AGORA_CUSTOMER_SECRET && env.AGORA_APP_ID)) {
    problems.push('AGORA_RTM_REST_URL: needs AGORA_CUSTOMER_ID, AGORA_CUSTOMER_SECRET and AGORA_APP_ID (the RTM project)');
  }
  if (Boolean(env.ZEGO_APP_ID) !== Boolean(env.ZEGO_SERVER_SECRET)) {
    problems.push('ZEGO_SERVER_SECRET: ZEGO_APP_ID and ZEGO_SERVER_SECRET go together');
  }
  const whiteboard = ['WHITEBOARD_APP_ID', 'WHITEBOARD_AK', 'WHITEBOARD_SK', 'WHITEBOARD_API_URL'];
  if (whiteboard.some((k) => env[k]) && !whiteboard.every((k) => env[k])) problems.push(`${whiteboard.join(', ')}: set all four or none`);
  for (const size of ['SMALL', 'LARGE']) {
    const capacity = Number(env[`ROOM_${size}_CAPACITY`] ?? (size === 'SMALL' ? 10 : 50));
    const seats = Number(env[`ROOM_${size}_STAGE_SEATS`] ?? (size === 'SMALL' ? 4 : 1));
    if (seats > capacity) problems.push(`ROOM_${size}_STAGE_SEATS: must not exceed ROOM_${size}_CAPACITY`);
  }
  if (env.REDIS_CLUSTER_NODES && env.REDIS_SENTINELS) problems.push('REDIS_SENTINELS: not together with REDIS_CLUSTER_NODES (a cluster fails over by itself)');
  if (env.REDIS_CLUSTER_NODES && Number(env.REDIS_MIN_REPLICAS_ACK ?? 0) > 0) {
    problems.push('REDIS_MIN_REPLICAS_ACK: not supported with REDIS_CLUSTER_NODES (WAIT covers one node; an ingest batch may span nodes)');
  }
  return problems;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  redisUrl: string;
  redisClusterNodes: { host: string; port: number }[] | undefined;
  /** Sentinels to ask for the primary (instead of REDIS_URL's host), and the master name they know it by. */
  redisSentinels: { host: string; port: number }[] | undefined;
  redisSentinelName: string;
  /** Replicas that must hold an accepted event (and a settle) before it counts (WAIT); 0 = no WAIT. */
  redisMinReplicasAck: number;
  /** How long that WAIT may take before the request is a 503. */
  redisWaitTimeoutMs: number;
  /** Operator bearer token; in development a missing token means "dev-admin-token". */
  adminToken: string;
  allowPrivateEndpoints: boolean;
  deliveryTimeoutMs: number;
  retryScheduleMs: readonly number[];
  summaryDelayS: number;
  roomEmptyTtlS: number;
  /** Room clients heartbeat this often; silent for 2 × this + 2 s means disconnected. */
  heartbeatIntervalS: number;
  /** Capacity and co-host (stage) seats per class type, the host's seat of each included. */
  roomLimits: { small: { capacity: number; stageSeats: number }; large: { capacity: number; stageSeats: number } };
  /** Notifications kept per room for Last-Event-ID replay. */
  roomEventBuffer: number;
  /** Lifetime of the RTC/RTM/ZEGO tokens handed out with room info. */
  roomTokenTtlS: number;
  logLevel: string;
  agora: { appId: string; appCertificate: string } | undefined;
  /** Room notifications also go out as RTM channel messages through Agora's RTM REST API when set. */
  agoraRtmRest: { baseUrl: string; appId: string; customerId: string; customerSecret: string } | undefined;
  /** ZEGO token04 credentials and form (`gcm`, ZEGO's recommended, or the deprecated `cbc`). */
  zego: { appId: number; serverSecret: string; tokenMode: 'gcm' | 'cbc' } | undefined;
  /** Agora Interactive Whiteboard (Netless): the REST API and the keys its tokens are signed with. */
  whiteboard: { appId: string; ak: string; sk: string; apiUrl: string; region: string } | undefined;
  keyPrefix: string;
  workerConcurrency: number;
  drainBatch: number;
  drainSliceMs: number;
  /** How long a drain keeps a school whose outbox ran empty, waiting for its next event (0: never). */
  drainLingerMs: number;
  deliveryRetentionS: number;
  /**
   * A drain job's lock: renewed every quarter of it while the job runs, so a crashed worker's
   * schools are taken over this long after the crash at most (plus one stalled check, a third of it).
   */
  /** `npm start` (role all): worker processes beside the API's; 0 runs the workers in its process. */
  workerProcesses: number;
  jobLockMs: number;
  /** Where alerts are posted (signed with alertWebhookSecret), if anywhere. */
  alertWebhook: { url: string; secret: string } | undefined;
  /** A head failing (or a verification failed) this long raises an alert, repeated as often. */
  alertAfterS: number;
  alertCheckIntervalMs: number;
  /** Events per second per app (0 = no limit). */
  ingestRateLimitPerS: number;
  /** Failed authentications per IP per window before 429s (0 = no limit). */
  authFailureLimit: number;
  authFailureWindowS: number;
  /** express "trust proxy" setting (hops, true/false, or proxy addresses), so the client IP comes from X-Forwarded-For. */
  trustProxy: TrustProxy | undefined;
  /** Raise hash-max-listpack-value at start (compact event records); off for a Redis you may not tune. */
  redisTune: boolean;
  /** A bearer token for Prometheus, besides the admin token. */
  metricsToken: string | undefined;
  /** Port of the /metrics listener of a worker-only process (0 = none). */
  metricsPort: number;
  /** Keep-alive connections per receiver origin (schools sharing a host share them). */
  pushConnectionsPerOrigin: number;
  shutdownTimeoutMs: number;
  redisDataDir: string;
  /** OpenTelemetry traces over OTLP/HTTP: on when an OTLP endpoint is set (and the SDK not disabled). */
  tracing: { protocol: 'http/protobuf' | 'http/json' } | undefined;
}

/** Thrown with every problem of the environment at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Tokens that may read /metrics: the admin token, and METRICS_TOKEN when set. */
export function metricsTokens(config: Pick<Config, 'adminToken' | 'metricsToken'>): string[] {
  return config.metricsToken ? [config.adminToken, config.metricsToken] : [config.adminToken];
}

/** `host:port,host:port…` (already validated) as a list. */
function hostPorts(list: string | undefined): { host: string; port: number }[] | undefined {
  return list?.split(',').map((hp) => {
    const [host, port] = hp.split(':');
    return { host: host as string, port: Number(port) };
  });
}

/** Reads the configuration from an environment map; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  // An empty variable means "unset", as in most twelve-factor tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...crossProblems(cleaned),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: hostPorts(e.REDIS_CLUSTER_NODES),
    redisSentinels: hostPorts(e.REDIS_SENTINELS),
    redisSentinelName: e.REDIS_SENTINEL_NAME,
    redisMinReplicasAck: e.REDIS_MIN_REPLICAS_ACK,
    redisWaitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
    adminToken: e.ADMIN_TOKEN ?? 'dev-admin-token',
    allowPrivateEndpoints: e.ALLOW_PRIVATE_ENDPOINTS,
    deliveryTimeoutMs: e.DELIVERY_TIMEOUT_MS,
    retryScheduleMs: Object.freeze(e.RETRY_SCHEDULE),
    summaryDelayS: e.SUMMARY_DELAY_S,
    roomEmptyTtlS: e.ROOM_EMPTY_TTL_S,
    heartbeatIntervalS: e.HEARTBEAT_INTERVAL_S,
    roomLimits: {
      small: { capacity: e.ROOM_SMALL_CAPACITY, stageSeats: e.ROOM_SMALL_STAGE_SEATS },
      large: { capacity: e.ROOM_LARGE_CAPACITY, stageSeats: e.ROOM_LARGE_STAGE_SEATS },
    },
    roomEventBuffer: e.ROOM_EVENT_BUFFER,
    roomTokenTtlS: e.ROOM_TOKEN_TTL_S,
    logLevel: e.LOG_LEVEL,
    agora: e.AGORA_APP_ID && e.AGORA_APP_CERTIFICATE ? { appId: e.AGORA_APP_ID, appCertificate: e.AGORA_APP_CERTIFICATE } : undefined,
    agoraRtmRest: e.AGORA_RTM_REST_URL && e.AGORA_APP_ID && e.AGORA_CUSTOMER_ID && e.AGORA_CUSTOMER_SECRET
      ? { baseUrl: e.AGORA_RTM_REST_URL.replace(/\/+$/, ''), appId: e.AGORA_APP_ID, customerId: e.AGORA_CUSTOMER_ID, customerSecret: e.AGORA_CUSTOMER_SECRET }
      : undefined,
    zego: e.ZEGO_APP_ID && e.ZEGO_SERVER_SECRET ? { appId: e.ZEGO_APP_ID, serverSecret: e.ZEGO_SERVER_SECRET, tokenMode: e.ZEGO_TOKEN_MODE } : undefined,
    whiteboard: e.WHITEBOARD_APP_ID && e.WHITEBOARD_AK && e.WHITEBOARD_SK && e.WHITEBOARD_API_URL
      ? { appId: e.WHITEBOARD_APP_ID, ak: e.WHITEBOARD_AK, sk: e.WHITEBOARD_SK, apiUrl: e.WHITEBOARD_API_URL, region: e.WHITEBOARD_REGION } : undefined,
    keyPrefix: e.KEY_PREFIX,
    workerConcurrency: e.WORKER_CONCURRENCY,
    drainBatch: e.DRAIN_BATCH,
    drainSliceMs: e.DRAIN_SLICE_MS,
    drainLingerMs: e.DRAIN_LINGER_MS,
    deliveryRetentionS: e.DELIVERY_RETENTION_S,
    workerProcesses: e.WORKER_PROCESSES,
    jobLockMs: e.JOB_LOCK_MS,
    alertWebhook: e.ALERT_WEBHOOK_URL && e.ALERT_WEBHOOK_SECRET ? { url: e.ALERT_WEBHOOK_URL, secret: e.ALERT_WEBHOOK_SECRET } : undefined,
    alertAfterS: e.ALERT_AFTER_S,
    alertCheckIntervalMs: e.ALERT_CHECK_INTERVAL_MS,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    redisTune: e.REDIS_TUNE,
    ingestRateLimitPerS: e.INGEST_RATE_LIMIT_PER_S,
    authFailureLimit: e.AUTH_FAILURE_LIMIT,
    authFailureWindowS: e.AUTH_FAILURE_WINDOW_S,
    trustProxy: e.TRUST_PROXY,
    pushConnectionsPerOrigin: e.PUSH_CONNECTIONS_PER_ORIGIN,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redisDataDir: e.REDIS_DATA_DIR,
    tracing: (e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && !e.OTEL_SDK_DISABLED && e.OTEL_TRACES_EXPORTER === 'otlp'
      ? { protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL } : undefined,
  });
}
