import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseDuration, parseRetrySchedule, retryDelayMs } from '../../src/domain/retry-policy.js';

describe('parseDuration', () => {
  it('parses ms, s, m and h', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration(' 10s ')).toBe(10_000);
  });

  it.each(['', '1', 's', '1.5s', '-1s', '1 s', '1sec', '1d', '1S', 'abc', '1s2s', '99999999999999999h'])(
    'rejects %j with a clear message',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/invalid duration/);
    },
  );
});

describe('parseRetrySchedule', () => {
  it('parses the default schedule', () => {
    expect(parseRetrySchedule('1s,2s,5s,10s')).toEqual([1000, 2000, 5000, 10_000]);
    expect(parseRetrySchedule('250ms, 1m ,1h')).toEqual([250, 60_000, 3_600_000]);
    expect(parseRetrySchedule('10s')).toEqual([10_000]);
  });

  it('rejects an empty list, empty entries, bad entries and zero delays', () => {
    expect(() => parseRetrySchedule('')).toThrow(/at least one delay/);
    expect(() => parseRetrySchedule('  ')).toThrow(/at least one delay/);
    expect(() => parseRetrySchedule('1s,,2s')).toThrow(/entry 2/);
    expect(() => parseRetrySchedule('1s,2x')).toThrow(/entry 2: invalid duration "2x"/);
    expect(() => parseRetrySchedule('1s,0ms')).toThrow(/greater than 0/);
  });
});

describe('retryDelayMs', () => {
  const schedule = [1000, 2000, 5000, 10_000];

  it('uses the n-th entry after the n-th failure, without jitter at random = 0.5', () => {
    const mid = () => 0.5;
    expect(retryDelayMs(schedule, 1, mid)).toBe(1000);
    expect(retryDelayMs(schedule, 2, mid)).toBe(2000);
    expect(retryDelayMs(schedule, 4, mid)).toBe(10_000);
    expect(retryDelayMs(schedule, 5, mid)).toBe(10_000);
    expect(retryDelayMs(schedule, 1_000_000, mid)).toBe(10_000);
  });

  it('jitters by at most 20 %', () => {
    expect(retryDelayMs(schedule, 1, () => 0)).toBe(800);
    expect(retryDelayMs(schedule, 1, () => 0.999999)).toBe(1200);
  });

  it('refuses nonsense input', () => {
    expect(() => retryDelayMs([], 1)).toThrow(RangeError);
    expect(() => retryDelayMs(schedule, 0)).toThrow(RangeError);
    expect(() => retryDelayMs(schedule, 1.5)).toThrow(RangeError);
  });

  const scheduleArb = fc.array(fc.integer({ min: 1, max: 86_400_000 }), { minLength: 1, maxLength: 10 });
  const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it('property: the delay is within ±20 % of its schedule entry and never negative', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer({ min: 1, max: 50 }), randomArb, (sched, n, r) => {
        const base = sched[Math.min(n, sched.length) - 1] ?? 0;
        const delay = retryDelayMs(sched, n, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        // Rounding to whole ms may add half a millisecond either way.
        expect(delay).toBeGreaterThanOrEqual(base * 0.8 - 0.5);
        expect(delay).toBeLessThanOrEqual(base * 1.2 + 0.5);
      }),
    );
  });

  it('property: beyond the list the last entry repeats forever', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer({ min: 0, max: 1_000_000 }), randomArb, (sched, extra, r) => {
        const last = retryDelayMs(sched, sched.length, () => r);
        expect(retryDelayMs(sched, sched.length + extra, () => r)).toBe(last);
      }),
    );
  });
});
