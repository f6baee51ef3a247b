/**
 * What a CLI command may touch: its output streams, the environment and a stop
 * signal. Passed in (never read from globals) so commands stay testable.
 */

/** Exit codes (docs/operations.md, "CLI and receiver kit"): 0 ok, 1 API or check failure, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  /** Writes one line (a newline is added) to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** Writes raw text to stderr (progress bars redraw in place). */
  errRaw(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stderr is a terminal: progress redraws one line instead of printing many. */
  readonly stderrIsTty: boolean;
  /** Aborted on Ctrl-C / SIGTERM: following commands stop, requests in flight are cancelled. */
  readonly signal: AbortSignal;
}

/** Bad command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
