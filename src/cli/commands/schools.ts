/** `schools list` and `school add`. */
import { createdSchoolSchema, schoolListSchema } from '../api-schemas.js';
import { ApiClient } from '../api-client.js';
import { HELP_OPTION, parseCommand, parseList, parseSid, required } from '../args.js';
import { formatSubscriptions, table } from '../format.js';
import { EXIT_OK, UsageError, type CliIo } from '../io.js';
import type { Command } from './command.js';

export const schoolsList: Command = {
  name: 'schools list',
  summary: 'list the schools, their status and endpoint',
  help: `Usage: classbell schools list [--json]

Lists every school the token may see (an operator token: all of them).

Options:
  --json      print the API's JSON instead of a table
  -h, --help  show this help`,
  async run(argv, io) {
    const { values } = parseCommand(this.name, { args: argv, options: { ...HELP_OPTION, json: { type: 'boolean' } } });
    if (values.help) return printHelp(this, io);
    const { items } = await ApiClient.fromEnv(io).get('/v1/schools', schoolListSchema);
    if (values.json) {
      io.out(JSON.stringify(items, null, 2));
      return EXIT_OK;
    }
    if (items.length === 0) {
      io.out('no schools yet: add one with `classbell school add`');
      return EXIT_OK;
    }
    const rows = [...items]
      .sort((a, b) => a.sid - b.sid)
      .map((s) => [String(s.sid), s.status, s.name, formatSubscriptions(s.subscriptions), s.endpointUrl + (s.lastError ? `  (${s.lastError})` : '')]);
    for (const line of table(['SID', 'STATUS', 'NAME', 'SUBSCRIPTIONS', 'ENDPOINT'], rows)) io.out(line);
    return EXIT_OK;
  },
};

export const schoolAdd: Command = {
  name: 'school add',
  summary: 'register a school; prints its secret and API key once',
  help: `Usage: classbell school add --sid <sid> --name <name> --url <endpoint> [--secret <secret>] [--subscriptions <type,type|*>] [--json]

Registers a school. classbell sends the registration test push to the endpoint
at once; the school turns "active" when the endpoint acknowledges it.
The signing secret and the school's API key are shown ONCE: store them now.

Options:
  --sid <sid>                ClassIn school id (positive integer)
  --name <name>              school name
  --url <endpoint>           where the school receives pushes (http or https)
  --secret <secret>          signing secret (8-256 characters); generated when absent
  --subscriptions <list>     "*" (default) or event types, comma-separated (hands_up,enter,exit)
  --json                     print the API's JSON reply
  -h, --help                 show this help`,
  async run(argv, io) {
    const { values } = parseCommand(this.name, {
      args: argv,
      options: {
        ...HELP_OPTION,
        sid: { type: 'string' },
        name: { type: 'string' },
        url: { type: 'string' },
        secret: { type: 'string' },
        subscriptions: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (values.help) return printHelp(this, io);
    const sid = parseSid(required(values.sid, 'sid', this.name), this.name);
    const name = required(values.name, 'name', this.name);
    const endpointUrl = required(values.url, 'url', this.name);
    let subscriptions: '*' | string[] | undefined;
    if (values.subscriptions !== undefined) {
      subscriptions = values.subscriptions.trim() === '*' ? '*' : parseList(values.subscriptions);
      if (subscriptions !== '*' && subscriptions.length === 0) throw new UsageError('--subscriptions is empty: give "*" or a list of types', this.name);
    }
    const body = { sid, name, endpointUrl, ...(values.secret !== undefined ? { secret: values.secret } : {}), ...(subscriptions ? { subscriptions } : {}) };
    const created = await ApiClient.fromEnv(io).post('/v1/schools', body, createdSchoolSchema);
    if (values.json) {
      io.out(JSON.stringify(created, null, 2));
      return EXIT_OK;
    }
    io.out(`school ${created.sid} "${created.name}" registered (status: ${created.status})`);
    io.out(`  endpoint:      ${created.endpointUrl}`);
    io.out(`  subscriptions: ${formatSubscriptions(created.subscriptions)}`);
    io.out(`  secret:        ${created.secret}`);
    io.out(`  apiKey:        ${created.apiKey}`);
    io.out('The secret and the API key are shown only now: store them.');
    io.out('The school turns "active" once its endpoint acknowledges the test push (`classbell schools list`).');
    return EXIT_OK;
  },
};

/** Prints a command's help on stdout; `--help` is a success. */
export function printHelp(command: Command, io: CliIo): number {
  io.out(command.help);
  return EXIT_OK;
}
