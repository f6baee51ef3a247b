import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  aggregateNetwork,
  groupByNetWindow,
  NET_WINDOW_S,
  netWindowStart,
  type NetData,
  type NetworkSample,
} from '../../src/domain/network-report.js';

// 1562838000 is a multiple of 300: the start of a window.
const W = 1562838000;
const ANN = 1001;
const BOB = 1002;

function sample(uid: number, actionTime: number, rest: Partial<NetworkSample> = {}): NetworkSample {
  return { uid, actionTime, rttMs: 50, lossPct: 0, quality: 'good', cpuLevel: 'low', ...rest };
}

const ZERO: NetData = {
  localIP: '', socket: '', good: 0, normal: 0, bad: 0, poor: 0, notReach: 0, total: 0,
  avgDelay: 0, loss: 0, cpuLow: 0, cpuMedium: 0, cpuHigh: 0, cpuBusy: 0, cpuTotal: 0,
};

describe('netWindowStart', () => {
  it.each([
    [W, W],
    [W + 1, W],
    [W + 299, W],
    [W + 300, W + 300],
    [W + 301, W + 300],
    [W - 1, W - 300],
    [0, 0],
  ])('%i → %i', (t, start) => {
    expect(netWindowStart(t)).toBe(start);
  });

  it('windows are 5 minutes long', () => {
    expect(NET_WINDOW_S).toBe(300);
  });
});

describe('aggregateNetwork', () => {
  it('empty input gives an empty map', () => {
    expect(aggregateNetwork([]).size).toBe(0);
  });

  it('counts qualities and CPU levels, averages delay and loss, takes the latest IP and socket', () => {
    // rtt (40+55+120+300+0)/5 = 103; loss (0+1.5+3+10+100)/5 = 22.9
    const samples = [
      sample(ANN, W + 10, { rttMs: 40, lossPct: 0, quality: 'good', cpuLevel: 'low', socket: 'udp', localIp: '192.168.1.5' }),
      sample(ANN, W + 70, { rttMs: 55, lossPct: 1.5, quality: 'normal', cpuLevel: 'medium', localIp: '192.168.1.6' }),
      sample(ANN, W + 130, { rttMs: 120, lossPct: 3, quality: 'bad', cpuLevel: 'high', socket: 'tcp' }),
      sample(ANN, W + 190, { rttMs: 300, lossPct: 10, quality: 'poor', cpuLevel: 'busy' }),
      sample(ANN, W + 250, { rttMs: 0, lossPct: 100, quality: 'not_reach', cpuLevel: 'busy' }),
    ];
    expect(aggregateNetwork(samples).get(ANN)).toEqual({
      localIP: '192.168.1.6', socket: 'tcp', good: 1, normal: 1, bad: 1, poor: 1, notReach: 1, total: 5,
      avgDelay: 103, loss: 22.9, cpuLow: 1, cpuMedium: 1, cpuHigh: 1, cpuBusy: 2, cpuTotal: 5,
    });
  });

  it.each([
    { name: 'delay rounds half up', rtts: [33, 34], losses: [0, 0], avgDelay: 34, loss: 0 },
    { name: 'delay rounds down below half', rtts: [10, 10, 11], losses: [0, 0, 0], avgDelay: 10, loss: 0 },
    { name: 'loss to 2 decimals', rtts: [0, 0, 0], losses: [1, 0, 0], avgDelay: 0, loss: 0.33 },
    { name: 'loss halfway rounds up despite binary noise', rtts: [0, 0], losses: [1.005, 1.005], avgDelay: 0, loss: 1.01 },
    { name: 'loss 2/3 rounds up', rtts: [0, 0, 0], losses: [1, 1, 0], avgDelay: 0, loss: 0.67 },
    { name: 'one sample', rtts: [60000], losses: [100], avgDelay: 60000, loss: 100 },
  ])('$name', ({ rtts, losses, avgDelay, loss }) => {
    const samples = rtts.map((rttMs, i) => sample(ANN, W + i, { rttMs, lossPct: losses[i] ?? 0 }));
    expect(aggregateNetwork(samples).get(ANN)).toMatchObject({ avgDelay, loss, total: rtts.length, cpuTotal: rtts.length });
  });

  it('latest is by actionTime, not input order; on a tie the later one given wins; unknown is ""', () => {
    const samples = [
      sample(ANN, W + 200, { localIp: '10.0.0.2', socket: 'tcp' }),
      sample(ANN, W + 100, { localIp: '10.0.0.1', socket: 'udp' }),
      sample(BOB, W + 50, { localIp: '10.0.0.3' }),
      sample(BOB, W + 50, { localIp: '10.0.0.4' }),
      sample(1003, W + 5),
    ];
    const result = aggregateNetwork(samples);
    expect(result.get(ANN)).toMatchObject({ localIP: '10.0.0.2', socket: 'tcp' });
    expect(result.get(BOB)).toMatchObject({ localIP: '10.0.0.4', socket: '' });
    expect(result.get(1003)).toEqual({ ...ZERO, localIP: '', socket: '', good: 1, total: 1, avgDelay: 50, cpuLow: 1, cpuTotal: 1 });
  });

  it('one entry per user, in ascending UID order', () => {
    const result = aggregateNetwork([sample(BOB, W + 1), sample(ANN, W + 2), sample(BOB, W + 3, { quality: 'bad' })]);
    expect([...result.keys()]).toEqual([ANN, BOB]);
    expect(result.get(BOB)).toMatchObject({ good: 1, bad: 1, total: 2 });
  });

  it('counts always add up to the sample count; the mean delay lies between the extremes', () => {
    const arb = fc.array(
      fc.record({
        rttMs: fc.integer({ min: 0, max: 60000 }),
        lossPct: fc.double({ min: 0, max: 100, noNaN: true }),
        quality: fc.constantFrom('good', 'normal', 'bad', 'poor', 'not_reach' as const),
        cpuLevel: fc.constantFrom('low', 'medium', 'high', 'busy' as const),
      }),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const data = aggregateNetwork(rows.map((r, i) => sample(ANN, W + i, r))).get(ANN);
        if (!data) throw new Error('one user expected');
        expect(data.good + data.normal + data.bad + data.poor + data.notReach).toBe(rows.length);
        expect(data.cpuLow + data.cpuMedium + data.cpuHigh + data.cpuBusy).toBe(rows.length);
        expect(data.total).toBe(rows.length);
        expect(data.avgDelay).toBeGreaterThanOrEqual(Math.min(...rows.map((r) => r.rttMs)));
        expect(data.avgDelay).toBeLessThanOrEqual(Math.max(...rows.map((r) => r.rttMs)));
        expect(data.loss).toBeGreaterThanOrEqual(0);
        expect(data.loss).toBeLessThanOrEqual(100);
        expect(Math.round(data.loss * 100)).toBeCloseTo(data.loss * 100, 6);
      }),
    );
  });
});

describe('groupByNetWindow', () => {
  it('splits at the 5-minute boundaries, windows ascending, samples in the order given', () => {
    const a = sample(ANN, W + 299);
    const b = sample(ANN, W + 300);
    const c = sample(BOB, W - 1);
    const d = sample(BOB, W);
    const groups = groupByNetWindow([a, b, c, d]);
    expect([...groups.keys()]).toEqual([W - 300, W, W + 300]);
    expect(groups.get(W - 300)).toEqual([c]);
    expect(groups.get(W)).toEqual([a, d]);
    expect(groups.get(W + 300)).toEqual([b]);
  });

  it('is empty for no samples', () => {
    expect(groupByNetWindow([]).size).toBe(0);
  });
});
