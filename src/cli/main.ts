/**
 * Entry point of `classbell` (bin/classbell.js loads it): wires the real
 * process (argv, streams, signals) to {@link runCli} and exits with its code.
 */
import { runCli } from './run.js';

const controller = new AbortController();
let interrupted = false;
function stop(): void {
  // First Ctrl-C: stop following and cancel requests; a second one: leave at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// `classbell … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  errRaw: (text) => process.stderr.write(text),
  env: process.env,
  stderrIsTty: process.stderr.isTTY === true,
  signal: controller.signal,
});
process.exitCode = code;
// Idle keep-alive sockets must not hold the process open once the command is done.
setTimeout(() => process.exit(code), 100).unref();
