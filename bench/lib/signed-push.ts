/** What a drain sends for an event, built the drain's way: for the bench's yardsticks (bare BullMQ, raw HTTP). */
import type { ClassEvent } from '../../src/domain/events.js';
import { pushHeaders, safeKey } from '../../src/domain/signing.js';
import { completeBody, toWire, wirePrefix } from '../../src/domain/wire.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import type { BenchEvent } from './classbell.js';

/** The accepted event classbell would store for this input (same normalisation and id scheme). */
export function acceptedEvent(e: BenchEvent, nowMs: number): ClassEvent {
  return { ...e, id: DeliveryStore.assignId(e.sid, nowMs), actionTime: Math.floor(nowMs / 1000) };
}

/** The signed wire body and headers of one push of `event`, at `nowMs`. */
export function signedPush(event: ClassEvent, secret: string, nowMs = Date.now()): { body: string; headers: Record<string, string> } {
  const timeStampS = Math.floor(nowMs / 1000);
  const body = completeBody(wirePrefix(toWire(event)), timeStampS, safeKey(secret, timeStampS));
  return { body, headers: pushHeaders(secret, event.id, timeStampS, body) as unknown as Record<string, string> };
}
