/**
 * `paths`: a machine's shortest (or simple) paths as JSON Lines test vectors, so integrators can
 * check their own handlers against the model.
 */
import { type MachineName, MODELS } from '../../machines/index.js';
import { machinePaths } from '../diagrams/paths.js';
import { type Command, EXIT, machineArgument, parse, UsageError } from './usage.js';

const MACHINES = Object.keys(MODELS) as MachineName[];

const USAGE = `Usage: onboarding-status paths [MACHINE] [--simple] [--max N]

Print test vectors, one JSON object a line, from the paths of a statechart (@xstate/graph).
MACHINE is one of ${MACHINES.join(', ')} (default onboarding). Each line holds:
  machine, reaches   the machine, and the state the path reaches ({region: state})
  events             the machine events in order
  records            the same events as delivery records (docs/spec.md#the-delivery-record),
                     to feed a handler
  state              the machine's state value after them (XState's own answer)
  view               status, decision, fetchable, pollRequested, terminal, session: the
                     view the core gives for those records

Options:
  --simple     every simple path to each state of each region, instead of the shortest
               path to each reachable state value
  --max N      at most N vectors (default: all)
  -h, --help   show this help

Examples:
  onboarding-status paths > onboarding-vectors.jsonl
  onboarding-status paths session --simple --max 20
  onboarding-status paths evidence | jq -c '{reaches, fetchable: .view.fetchable}'
`;

export const pathsCommand: Command = {
  name: 'paths',
  summary: 'export shortest or simple paths of a machine as JSON Lines test vectors',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { simple: { type: 'boolean' }, max: { type: 'string' } });
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    const machine = machineArgument(MACHINES, positionals);
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new UsageError(`--max expects a positive integer, got "${values.max}"`);
    }
    const vectors = machinePaths(machine, { simple: values.simple === true, ...(max === undefined ? {} : { max }) });
    for (const vector of vectors) process.stdout.write(`${JSON.stringify(vector)}\n`);
    return EXIT.ok;
  },
};
