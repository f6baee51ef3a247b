/**
 * The CLI's dispatcher: finds the command named by the first words, runs it,
 * and turns every failure into a readable message and an exit code
 * (0 ok, 1 API error or failed check, 2 usage error).
 */
import { ApiError, formatApiError, UnreachableError } from './api-client.js';
import { checkReceiver } from './commands/check-receiver.js';
import type { Command } from './commands/command.js';
import { deliveriesExport } from './commands/deliveries-export.js';
import { deliveriesTail } from './commands/deliveries-tail.js';
import { replay } from './commands/replay.js';
import { schoolAdd, schoolsList } from './commands/schools.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io.js';

export const COMMANDS: readonly Command[] = [schoolsList, schoolAdd, deliveriesTail, deliveriesExport, replay, checkReceiver];

/** Forgiving spellings: `school list`, `schools add`, `deliveries follow`. */
const ALIASES: Readonly<Record<string, string>> = {
  'school list': 'schools list',
  'schools add': 'school add',
  'deliveries follow': 'deliveries tail',
};

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: classbell <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Environment:',
    '  CLASSBELL_URL   the classbell API (default http://127.0.0.1:8080)',
    '  ADMIN_TOKEN     the operator token (a school API key works for its own school)',
    '',
    'Exit codes: 0 ok, 1 API error or failed check, 2 usage error.',
    'Run `classbell <command> --help` for a command\'s options.',
  ].join('\n');
}

/** Finds the command whose words start `argv`; the rest are its arguments. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === (ALIASES[name] ?? name));
    if (command && argv.length >= words) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    io.err(generalHelp());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && argv.length === 1)) {
    io.out(generalHelp());
    return EXIT_OK;
  }
  const helpFor = first === 'help' ? findCommand(argv.slice(1)) : undefined;
  if (helpFor) {
    io.out(helpFor.command.help);
    return EXIT_OK;
  }
  const found = findCommand(argv);
  if (!found) {
    io.err(`classbell: unknown command "${argv.slice(0, 2).join(' ')}"`);
    io.err('Run `classbell --help` for the list of commands.');
    return EXIT_USAGE;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (error) {
    return report(error, found.command, io);
  }
}

function report(error: unknown, command: Command, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`classbell ${command.name}: ${error.message}`);
    io.err(`Run \`classbell ${command.name} --help\` for usage.`);
    return EXIT_USAGE;
  }
  if (error instanceof ApiError) {
    for (const line of formatApiError(error)) io.err(line);
    return EXIT_FAILURE;
  }
  if (error instanceof UnreachableError) {
    io.err(`error: ${error.message}`);
    return EXIT_FAILURE;
  }
  if (io.signal.aborted) return EXIT_OK;
  io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_FAILURE;
}
