import type { CliIo } from '../io.js';

/** One CLI command: its words (`schools list`), help text and behaviour. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Runs with the arguments after the command words; resolves to the exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}
