/**
 * A progress bar on stderr. On a terminal it redraws one line in place; when
 * stderr is a pipe or a file (CI, logs) it prints a line per change, at most
 * one per `minIntervalMs`, so logs stay readable.
 */
import type { CliIo } from './io.js';

const WIDTH = 30;

/** `[#########---------------------] 30% 12/40` */
export function renderBar(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(ratio * WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total}`;
}

export class ProgressBar {
  private lastLine = '';
  private lastPrintMs = 0;

  constructor(
    private readonly io: CliIo,
    private readonly minIntervalMs = 1000,
  ) {}

  /** Shows `done/total` and a note (e.g. the backlog); repeated identical updates print nothing. */
  update(done: number, total: number, note: string, nowMs = Date.now()): void {
    this.show(`${renderBar(done, total)}${note ? `  ${note}` : ''}`, done >= total, nowMs);
  }

  /**
   * Shows a line without a known total (`12,000 rows  3.4 MB`); `final` prints it even inside
   * the interval (the last figures always show).
   */
  status(line: string, final = false, nowMs = Date.now()): void {
    this.show(line, final, nowMs);
  }

  private show(line: string, final: boolean, nowMs: number): void {
    if (line === this.lastLine) return;
    if (this.io.stderrIsTty) {
      this.io.errRaw(`\r\x1b[2K${line}`);
    } else {
      if (nowMs - this.lastPrintMs < this.minIntervalMs && !final) return;
      this.io.err(line);
      this.lastPrintMs = nowMs;
    }
    this.lastLine = line;
  }

  /** Ends the bar's line (on a terminal) so later output starts on a fresh one. */
  finish(): void {
    if (this.io.stderrIsTty && this.lastLine) this.io.errRaw('\n');
  }
}
