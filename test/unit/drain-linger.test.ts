import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Handoff } from '../../src/store/drain-wakes.js';
import { DrainLinger } from '../../workers/drain-linger.js';

const channel = (listening = true) => ({ channel: 'cb:drain-wake:test', listening });

function linger(lingerMs = 2000, concurrency = 4, wakes = channel()) {
  const l = new DrainLinger(lingerMs, concurrency);
  l.listenOn(wakes);
  return l;
}

describe('DrainLinger', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms only when lingering is on, the channel is listened to and a slot is left', () => {
    expect(linger(0).arm('t')).toBeUndefined();
    expect(linger(2000, 4, channel(false)).arm('t')).toBeUndefined();
    const none = new DrainLinger(2000, 4);
    expect(none.arm('t')).toBeUndefined();
    const full = linger(2000, 2);
    full.started();
    full.started();
    expect(full.arm('t')).toBeUndefined();
    full.ended();
    expect(full.arm('t')).toBe('cb:drain-wake:test');
  });

  it('wakes the waiting drainer of the published token, and no other', async () => {
    const l = linger();
    l.arm('a');
    l.arm('b');
    const a = l.wait('a');
    const b = l.wait('b');
    expect(l.waitingCount).toBe(2);
    l.wake('a');
    await expect(a).resolves.toEqual({ reason: 'event' });
    expect(l.waitingCount).toBe(1);
    l.wake('b');
    await expect(b).resolves.toEqual({ reason: 'event' });
    expect(l.waitingCount).toBe(0);
  });

  it('keeps a message that arrives between the fetch and the wait', async () => {
    const l = linger();
    l.arm('a');
    l.wake('a');
    await expect(l.wait('a')).resolves.toEqual({ reason: 'event' });
  });

  it('gives the events handed over with the message to the woken drainer, whether it waits already or not', async () => {
    const handoff: Handoff = { endpointUrl: 'http://school.test/push', secret: 's', events: [{ id: 'e1', json: '{}', attempts: 0, acceptedAtMs: 1 }] };
    const l = linger();
    l.arm('a');
    const a = l.wait('a');
    l.wake('a', handoff);
    await expect(a).resolves.toEqual({ reason: 'event', handoff });
    l.arm('b');
    l.wake('b', handoff);
    await expect(l.wait('b')).resolves.toEqual({ reason: 'event', handoff });
  });

  it('takes the first message of a wait: a second one (a bare wake after a handover) changes nothing', async () => {
    const handoff: Handoff = { endpointUrl: 'http://school.test/push', secret: 's', events: [] };
    const l = linger();
    l.arm('a');
    l.wake('a', handoff);
    l.wake('a');
    await expect(l.wait('a')).resolves.toEqual({ reason: 'event', handoff });
  });

  it('hands nothing over to a wait that ended before its message came', async () => {
    vi.useFakeTimers();
    const l = linger(50);
    l.arm('a');
    const waited = l.wait('a');
    await vi.advanceTimersByTimeAsync(50);
    l.wake('a', { endpointUrl: '', secret: '', events: [] });
    await expect(waited).resolves.toEqual({ reason: 'timeout' });
    expect(l.waitingCount).toBe(0);
  });

  it('keeps a token armed for a call only when the call leaves the drainer waiting, and drops it when the call fails', async () => {
    const l = linger(60_000, 4);
    let given: string | undefined;
    await expect(l.armedFor('a', async (channel) => ((given = channel), { kind: 'waiting' }))).resolves.toEqual({ kind: 'waiting' });
    expect(given).toBe('cb:drain-wake:test');
    await expect(l.armedFor('b', async () => ({ kind: 'ok' }))).resolves.toEqual({ kind: 'ok' });
    await expect(l.armedFor('c', () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    await expect(l.armedFor(undefined, async (channel) => ((given = channel), { kind: 'ok' }))).resolves.toEqual({ kind: 'ok' });
    expect(given).toBeUndefined();
    // Only 'a' holds one of the two waiting places (half of 4 slots): one more may arm.
    expect(l.arm('d')).toBeDefined();
    expect(l.arm('e')).toBeUndefined();
  });

  it('forgets a disarmed token: a late message wakes nothing', async () => {
    vi.useFakeTimers();
    const l = linger(50);
    l.arm('a');
    l.disarm('a');
    l.wake('a');
    l.arm('a');
    const waited = l.wait('a');
    await vi.advanceTimersByTimeAsync(50);
    await expect(waited).resolves.toEqual({ reason: 'timeout' });
  });

  it('ends a wait after DRAIN_LINGER_MS', async () => {
    vi.useFakeTimers();
    const l = linger(2000);
    l.arm('a');
    let reason: string | undefined;
    void l.wait('a').then((r) => (reason = r.reason));
    await vi.advanceTimersByTimeAsync(1999);
    expect(reason).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(reason).toBe('timeout');
  });

  it('lets at most half of the slots wait: the other half takes new jobs', async () => {
    const l = linger(60_000, 5);
    expect(l.arm('a')).toBeDefined();
    expect(l.arm('b')).toBeDefined();
    expect(l.arm('c')).toBeUndefined();
    l.disarm('a');
    expect(l.arm('c')).toBeDefined();
    const b = l.wait('b');
    l.wake('b');
    await b;
    expect(l.arm('d')).toBeDefined();
  });

  it('frees a slot when a new job takes the last one: the longest waiting drainer stops', async () => {
    const l = linger(60_000, 5);
    l.started();
    l.started();
    l.started();
    l.arm('old');
    l.arm('new');
    const old = l.wait('old');
    let young: string | undefined;
    void l.wait('new').then((r) => (young = r.reason));
    l.started();
    expect(young).toBeUndefined();
    l.started();
    await expect(old).resolves.toEqual({ reason: 'evicted' });
    expect(young).toBeUndefined();
    expect(l.waitingCount).toBe(1);
    l.stop();
  });

  it('tells its observer how many drains wait and how each wait ended', async () => {
    const seen: (number | string)[] = [];
    const l = new DrainLinger(60_000, 4, { waiting: (n) => seen.push(n), ended: (reason) => seen.push(reason) });
    l.listenOn(channel());
    l.arm('a');
    l.arm('b');
    const a = l.wait('a');
    const b = l.wait('b');
    l.wake('b');
    await b;
    l.stop();
    await a;
    expect(seen).toEqual([1, 2, 1, 'event', 0, 'stopping']);
  });

  it('ends every wait on stop and arms nothing after it', async () => {
    const l = linger(60_000);
    l.arm('a');
    const a = l.wait('a');
    l.arm('b');
    l.stop();
    await expect(a).resolves.toEqual({ reason: 'stopping' });
    await expect(l.wait('b')).resolves.toEqual({ reason: 'stopping' });
    expect(l.arm('c')).toBeUndefined();
  });
});
