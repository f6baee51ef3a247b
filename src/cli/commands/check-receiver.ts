/**
 * `check-receiver <url>`: plays classbell against a school's endpoint and
 * reports, point by point, whether it acknowledges what it must (the test
 * push, each catalogue type, repeats and retries) and refuses what it must
 * (a wrong SafeKey, a wrong webhook-signature, a stale TimeStamp).
 */
import { classifyReply } from '../../domain/ack.js';
import type { ClassEvent } from '../../domain/events.js';
import { HELP_OPTION, parseCommand, parsePositiveInt, parseSid, required } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from '../io.js';
import { cmdOf, eventPush, forgedEvent, scriptedEvents, testPush, type Push } from '../receiver-checks.js';
import type { Command } from './command.js';
import { printHelp } from './schools.js';

/** Older than the 5-minute tolerance receivers apply. */
const STALE_S = 600;

export const checkReceiver: Command = {
  name: 'check-receiver',
  summary: 'check that a school endpoint acknowledges, verifies signatures and tolerates repeats',
  help: `Usage: classbell check-receiver <url> --sid <sid> [--secret <secret>] [--timeout-ms <ms>]

Sends the registration test push, then a scripted lesson (several catalogue
types, exact ClassIn bodies signed like classbell signs them), a repeated _id, a
retried event, and forged pushes (a wrong SafeKey, a wrong webhook-signature, a
stale TimeStamp) to the endpoint, and reports each point with ✓ or ✗.
Exit code 0 only when every point passes.

The endpoint is called directly (not through classbell); it needs no ADMIN_TOKEN.
Forged pushes and repeats reach the endpoint: point it at a test instance, or
one that can tell the chk_ event ids apart.

Options:
  --sid <sid>          the school id the endpoint expects
  --secret <secret>    the school's signing secret (default: $SCHOOL_SECRET)
  --timeout-ms <ms>    time limit of each push (default 10000, like DELIVERY_TIMEOUT_MS)
  -h, --help           show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommand(this.name, {
      args: argv,
      allowPositionals: true,
      options: { ...HELP_OPTION, sid: { type: 'string' }, secret: { type: 'string' }, 'timeout-ms': { type: 'string' } },
    });
    if (values.help) return printHelp(this, io);
    if (positionals.length !== 1) throw new UsageError('give exactly one endpoint URL', this.name);
    const url = positionals[0] as string;
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) throw new UsageError(`not an http(s) URL: ${url}`, this.name);
    const sid = parseSid(required(values.sid, 'sid', this.name), this.name);
    const secret = required(values.secret ?? io.env.SCHOOL_SECRET, 'secret', this.name);
    const timeoutMs = parsePositiveInt(values['timeout-ms'], 'timeout-ms', 10_000, this.name);
    const checker = new Checker(io, url, timeoutMs);
    io.out(`checking ${url} as school ${sid}`);
    await runChecks(checker, sid, secret);
    const failed = checker.results.filter((r) => !r).length;
    const total = checker.results.length;
    io.out(failed === 0 ? `all ${total} points passed` : `${failed} of ${total} points failed`);
    return failed === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};

async function runChecks(c: Checker, sid: number, secret: string): Promise<void> {
  const nowS = () => Math.floor(Date.now() / 1000);
  await c.expectAck('registration test push (Cmd "Test") acknowledged', testPush(sid, secret, nowS()), 'the endpoint must answer {"error_info":{"errno":1}}; check the secret and SID');
  const events = scriptedEvents(sid, nowS());
  const lesson = events.slice(0, -2);
  const [retried, afterRefusal] = events.slice(-2) as [ClassEvent, ClassEvent];
  for (const event of lesson) await c.expectAck(`${event.type} (Cmd ${cmdOf(event)}) acknowledged`, eventPush(event, secret, nowS()));
  const last = lesson.at(-1) as ClassEvent;
  // At-least-once: after a crash classbell pushes the acknowledged head again, before the next one.
  await c.expectAck(`repeated _id ${last.id} (pushed again after its acknowledgement) acknowledged`, eventPush(last, secret, nowS()), 'a repeat must be acknowledged (deduplicate on _id, answer errno 1), or the school\'s queue stops');
  await c.expectRetryAck(retried, secret, nowS());
  await c.expectRefusal('push with a wrong SafeKey not acknowledged', eventPush(forgedEvent(sid, nowS(), 'badsafekey'), secret, nowS(), { wrongSafeKey: true }), 'the endpoint does not check SafeKey = md5(secret + TimeStamp)');
  await c.expectRefusal('push with a wrong webhook-signature not acknowledged', eventPush(forgedEvent(sid, nowS(), 'badsig'), secret, nowS(), { wrongSignature: true }), 'the endpoint does not check webhook-signature (HMAC-SHA256 over id.timestamp.body)');
  await c.expectRefusal(`push with a stale TimeStamp (${STALE_S / 60} minutes old) not acknowledged`, eventPush(forgedEvent(sid, nowS(), 'stale'), secret, nowS() - STALE_S), 'the endpoint accepts old timestamps: a recorded push could be replayed');
  await c.expectAck(`valid push after the refused ones (${afterRefusal.type}) acknowledged`, eventPush(afterRefusal, secret, nowS()));
}

/** What one push got back. */
type Reply = { kind: 'reply'; httpStatus: number; body: string } | { kind: 'failed'; reason: string };

class Checker {
  readonly results: boolean[] = [];
  /** Whether any genuine push was acknowledged: refusals mean nothing from an endpoint that refuses all. */
  private genuineAcknowledged = false;

  constructor(
    private readonly io: CliIo,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async expectAck(title: string, push: Push, hint?: string): Promise<void> {
    const reply = await this.send(push);
    const outcome = describe(reply);
    if (outcome.acknowledged) this.genuineAcknowledged = true;
    this.report(outcome.acknowledged, title, outcome.acknowledged ? outcome.text : `${outcome.text}${hint ? `: ${hint}` : ''}`);
  }

  async expectRefusal(title: string, push: Push, hint: string): Promise<void> {
    const reply = await this.send(push);
    const outcome = describe(reply);
    if (reply.kind === 'failed') {
      this.report(false, title, `${outcome.text}: no answer at all, so nothing shows the push was checked`);
      return;
    }
    if (!outcome.acknowledged && !this.genuineAcknowledged) {
      this.report(false, title, `refused (${outcome.text}), but so was every genuine push: this shows nothing`);
      return;
    }
    this.report(!outcome.acknowledged, title, outcome.acknowledged ? `acknowledged (${outcome.text}): ${hint}` : `refused (${outcome.text})`);
  }

  /** First attempt's reply is lost (as on a timeout); the retry, later and newly signed, must be acknowledged. */
  async expectRetryAck(event: ClassEvent, secret: string, nowS: number): Promise<void> {
    await this.send(eventPush(event, secret, nowS - 2), { discardReply: true });
    const outcome = describe(await this.send(eventPush(event, secret, nowS)));
    if (outcome.acknowledged) this.genuineAcknowledged = true;
    const title = `retried event ${event.id} (first reply lost, pushed again with a new TimeStamp and signature) acknowledged`;
    this.report(outcome.acknowledged, title, outcome.acknowledged ? outcome.text : `${outcome.text}: a retry must be acknowledged like the first attempt`);
  }

  private report(pass: boolean, title: string, reason: string): void {
    this.results.push(pass);
    this.io.out(`${pass ? '✓' : '✗'} ${title} — ${reason}`);
  }

  private async send(push: Push, options: { discardReply?: boolean } = {}): Promise<Reply> {
    const signal = AbortSignal.any([this.io.signal, AbortSignal.timeout(this.timeoutMs)]);
    try {
      const res = await fetch(this.url, { method: 'POST', headers: push.headers, body: push.body, redirect: 'manual', signal });
      if (options.discardReply) {
        await res.body?.cancel();
        return { kind: 'failed', reason: 'reply discarded' };
      }
      return { kind: 'reply', httpStatus: res.status, body: await res.text() };
    } catch (error) {
      if (signal.aborted && !this.io.signal.aborted) return { kind: 'failed', reason: `no reply within ${this.timeoutMs} ms (timeout)` };
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      return { kind: 'failed', reason: `network error: ${cause}` };
    }
  }
}

/** Classifies a reply exactly as classbell's delivery does (domain `classifyReply`). */
function describe(reply: Reply): { acknowledged: boolean; text: string } {
  if (reply.kind === 'failed') return { acknowledged: false, text: reply.reason };
  const { outcome, errno } = classifyReply(reply.httpStatus, reply.body);
  const parts = [`HTTP ${reply.httpStatus}`, errno === null ? 'no integer errno' : `errno ${errno}`];
  if (outcome !== 'delivered') parts.push(outcome);
  return { acknowledged: outcome === 'delivered', text: parts.join(', ') };
}
