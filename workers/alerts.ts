import { pushHeaders } from '../src/domain/signing.js';
import type { Deps } from '../src/deps.js';
import type { PushClient } from '../src/lib/http-push.js';
import { MonitoringReads } from '../src/store/monitoring-reads.js';
import type { Alert, AlertKind, AlertStore, OpenAlert } from '../src/store/alerts.js';

interface SchoolHealth {
  sid: number;
  /** ms since the head started failing, or null. */
  failingSinceMs: number | null;
  verificationFailed: boolean;
  /** The endpoint is verified (active or paused): a verification alert can be closed. */
  verified: boolean;
  lastError: string | null;
}

async function schoolHealth(deps: Deps): Promise<SchoolHealth[]> {
  return (await new MonitoringReads(deps.redis, deps.keys).schoolHealth()).map((row) => {
    const verificationFailed = row.status === 'verification_failed';
    return {
      sid: row.sid, verificationFailed, verified: row.status === 'active' || row.status === 'paused',
      failingSinceMs: row.headFailingSinceMs,
      lastError: (verificationFailed ? row.schoolError : row.drainError) || null,
    };
  });
}

/** Posts an alert to ALERT_WEBHOOK_URL, signed like a push (Standard Webhooks headers). */
async function notify(deps: Deps, client: PushClient, alert: Alert): Promise<void> {
  const hook = deps.config.alertWebhook;
  if (!hook) return;
  const body = JSON.stringify(alert);
  const headers = pushHeaders(hook.secret, alert.id, Math.floor(Date.now() / 1000), body) as unknown as Record<string, string>;
  const result = await client.post(hook.url, body, headers, deps.config.deliveryTimeoutMs);
  if (result.kind !== 'reply' || result.status >= 300) {
    deps.logger.warn('alert webhook did not accept the alert', { alertId: alert.id, result: result.kind === 'reply' ? result.status : result.error });
  }
}

async function raise(deps: Deps, client: PushClient, alerts: AlertStore, sid: number, kind: AlertKind, sinceMs: number | null, lastError: string | null, message: string) {
  const alert = await alerts.record({ sid, kind, since: sinceMs ? new Date(sinceMs).toISOString() : null, message, lastError });
  deps.logger.warn('alert', { sid, kind, message, alertId: alert.id });
  await notify(deps, client, alert);
}

/**
 * One pass of the alert check (every ALERT_CHECK_INTERVAL_MS, one process at a time): a head failing
 * for ALERT_AFTER_S, or a failed verification, raises an alert, again every ALERT_AFTER_S while it
 * lasts; the first check that finds it fixed raises the matching "recovered" alert.
 */
export async function checkAlerts(deps: Deps, client: PushClient, alerts: AlertStore, nowMs = Date.now()): Promise<void> {
  const afterMs = deps.config.alertAfterS * 1000;
  const open = await alerts.openAlerts();
  for (const s of await schoolHealth(deps)) {
    const conditions: { kind: 'delivery_failing' | 'verification_failed'; active: boolean; sinceMs: number; text: string }[] = [
      { kind: 'delivery_failing', active: s.failingSinceMs !== null && nowMs - s.failingSinceMs >= afterMs, sinceMs: s.failingSinceMs ?? nowMs, text: 'the head event has been failing' },
      { kind: 'verification_failed', active: s.verificationFailed, sinceMs: nowMs, text: 'the endpoint failed its registration test push' },
    ];
    for (const c of conditions) {
      const key = `${s.sid}:${c.kind}`;
      const current: OpenAlert | undefined = open.get(key);
      if (c.active && (!current || nowMs - current.lastAlertMs >= afterMs)) {
        const sinceMs = current?.sinceMs ?? c.sinceMs;
        await raise(deps, client, alerts, s.sid, c.kind, sinceMs, s.lastError, `school ${s.sid}: ${c.text} since ${new Date(sinceMs).toISOString()}`);
        await alerts.setOpen(key, { sinceMs, lastAlertMs: nowMs });
      } else if (current && (c.kind === 'delivery_failing' ? s.failingSinceMs === null : s.verified)) {
        const recovered = c.kind === 'delivery_failing' ? 'delivery_recovered' : 'verification_recovered';
        await raise(deps, client, alerts, s.sid, recovered, current.sinceMs, null, `school ${s.sid}: recovered`);
        await alerts.clearOpen(key);
      }
    }
  }
}
