/**
 * The ClassIn "Net" network report (PROTOCOL.md §1, "network report"): raw
 * per-user `network_sample` events folded into one `Data` per user per
 * 5-minute window. Pure: the caller groups samples by window
 * ({@link netWindowStart}) and passes one window at a time.
 */

/** Length of one network-report window, seconds (ClassIn sends "Net" every 5 minutes). */
export const NET_WINDOW_S = 300;

export type NetQuality = 'good' | 'normal' | 'bad' | 'poor' | 'not_reach';
export type CpuLevel = 'low' | 'medium' | 'high' | 'busy';

/** One raw sample, as validated at ingest (ranges are not re-checked here). */
export interface NetworkSample {
  readonly uid: number;
  /** When the sample was taken, unix seconds. */
  readonly actionTime: number;
  /** Round-trip time, 0..60000 ms. */
  readonly rttMs: number;
  /** Packet loss, 0..100 %. */
  readonly lossPct: number;
  readonly quality: NetQuality;
  readonly cpuLevel: CpuLevel;
  readonly socket?: 'udp' | 'tcp';
  readonly localIp?: string;
}

/** The `Data` of one "Net" message, ClassIn's field names. */
export interface NetData {
  localIP: string;
  socket: string;
  good: number;
  normal: number;
  bad: number;
  poor: number;
  notReach: number;
  /** Number of samples. */
  total: number;
  /** Mean round-trip time, whole ms. */
  avgDelay: number;
  /** Mean packet loss, %, 2 decimals. */
  loss: number;
  cpuLow: number;
  cpuMedium: number;
  cpuHigh: number;
  cpuBusy: number;
  /** Number of samples. */
  cpuTotal: number;
}

const QUALITY_FIELD = {
  good: 'good',
  normal: 'normal',
  bad: 'bad',
  poor: 'poor',
  not_reach: 'notReach',
} as const satisfies Record<NetQuality, keyof NetData>;

const CPU_FIELD = {
  low: 'cpuLow',
  medium: 'cpuMedium',
  high: 'cpuHigh',
  busy: 'cpuBusy',
} as const satisfies Record<CpuLevel, keyof NetData>;

/** Start of the 5-minute window holding `actionTime` (unix s, aligned to multiples of 300). */
export function netWindowStart(actionTime: number): number {
  return Math.floor(actionTime / NET_WINDOW_S) * NET_WINDOW_S;
}

/**
 * Rounds half up to `decimals` places. The scaled value is first cut to 12
 * significant digits so binary noise (1.005 × 100 = 100.49999…) does not round down.
 */
function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(Number((value * scale).toPrecision(12))) / scale;
}

/** The latest (by actionTime; on a tie, the later one given) defined value of a field, or ''. */
function latestKnown(samples: readonly NetworkSample[], pick: (s: NetworkSample) => string | undefined): string {
  let best: { t: number; value: string } | undefined;
  for (const sample of samples) {
    const value = pick(sample);
    if (value !== undefined && (!best || sample.actionTime >= best.t)) {
      best = { t: sample.actionTime, value };
    }
  }
  return best?.value ?? '';
}

/** Folds one user's samples (at least one) into a "Net" `Data`. */
function aggregateUser(samples: readonly NetworkSample[]): NetData {
  const data: NetData = {
    localIP: latestKnown(samples, (s) => s.localIp),
    socket: latestKnown(samples, (s) => s.socket),
    good: 0,
    normal: 0,
    bad: 0,
    poor: 0,
    notReach: 0,
    total: samples.length,
    avgDelay: 0,
    loss: 0,
    cpuLow: 0,
    cpuMedium: 0,
    cpuHigh: 0,
    cpuBusy: 0,
    cpuTotal: samples.length,
  };
  let rttSumMs = 0;
  let lossSumPct = 0;
  for (const sample of samples) {
    data[QUALITY_FIELD[sample.quality]] += 1;
    data[CPU_FIELD[sample.cpuLevel]] += 1;
    rttSumMs += sample.rttMs;
    lossSumPct += sample.lossPct;
  }
  data.avgDelay = roundTo(rttSumMs / samples.length, 0);
  data.loss = roundTo(lossSumPct / samples.length, 2);
  return data;
}

/**
 * Folds samples into one "Net" `Data` per user, keyed by UID in ascending
 * order; an empty input gives an empty map. Every sample given is counted,
 * whatever its window: pass one window's samples (see {@link groupByNetWindow}).
 * `localIP`/`socket` are the latest known values (by actionTime; the later
 * one given on a tie), '' when no sample carries one. Means round half up.
 */
export function aggregateNetwork(samples: readonly NetworkSample[]): Map<number, NetData> {
  const byUid = new Map<number, NetworkSample[]>();
  for (const sample of samples) {
    const list = byUid.get(sample.uid);
    if (list) list.push(sample);
    else byUid.set(sample.uid, [sample]);
  }
  const uids = [...byUid.keys()].sort((a, b) => a - b);
  return new Map(uids.map((uid) => [uid, aggregateUser(byUid.get(uid) ?? [])]));
}

/** Groups samples by {@link netWindowStart}, windows in ascending order, samples in the order given. */
export function groupByNetWindow<S extends NetworkSample>(samples: readonly S[]): Map<number, S[]> {
  const byWindow = new Map<number, S[]>();
  for (const sample of samples) {
    const start = netWindowStart(sample.actionTime);
    const list = byWindow.get(start);
    if (list) list.push(sample);
    else byWindow.set(start, [sample]);
  }
  return new Map([...byWindow].sort(([a], [b]) => a - b));
}
