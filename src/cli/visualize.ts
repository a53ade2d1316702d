/**
 * `visualize`: a machine as Mermaid, DOT, SVG (through Graphviz) or a JSON graph, optionally with
 * the states a recorded session reached highlighted.
 */
import { spawn } from 'node:child_process';
import { type AnyStateMachine, initialTransition } from 'xstate';
import { type MachineName, MODELS } from '../../machines/index.js';
import { type SessionMachines, visitedStates } from '../core/replay.js';
import { toDot } from '../diagrams/dot.js';
import { type DiagramOptions, type Highlight, machineDiagram, toJsonGraph } from '../diagrams/graph.js';
import { toMermaid } from '../diagrams/mermaid.js';
import { flowBits } from '../vendor/modules.js';
import { foldLogs, warnEmpty } from './input.js';
import { type Command, EXIT, InputError, machineArgument, parse, UsageError, unknown } from './usage.js';

const MACHINES = Object.keys(MODELS) as MachineName[];
const FORMATS = ['mermaid', 'dot', 'svg', 'json'] as const;

const USAGE = `Usage: onboarding-status visualize [MACHINE] [--format mermaid|dot|svg|json]
                                  [--session LOG [--id ID]] [--internal]

Draw a statechart, read from the machine itself. MACHINE is one of ${MACHINES.join(', ')}
(default onboarding).

Options:
  --format F     mermaid (default): stateDiagram-v2, renders on GitHub in a \`\`\`mermaid block
                 dot: Graphviz, parallel regions as clusters, terminal states double-bordered
                 svg: dot run through Graphviz (needs the \`dot\` program)
                 json: {"machine","nodes":[...],"edges":[...]}
  --session LOG  highlight the states a recorded session passed through (light) and is in
                 now (strong); LOG is a JSON Lines log, - for stdin
  --id ID        the session to highlight, when LOG holds more than one
  --internal     also draw transitions that only record evidence (no target)
  -h, --help     show this help

Examples:
  onboarding-status visualize > onboarding.mmd
  onboarding-status visualize session --format dot | dot -Tpng > session.png
  onboarding-status visualize --format svg --session examples/review-reversed.jsonl > review.svg
`;

const INSTALL_GRAPHVIZ = `--format svg needs Graphviz's \`dot\` program, which is not installed.
Install it with:
  sudo apt-get install graphviz     (Debian, Ubuntu)
  sudo dnf install graphviz         (Fedora)
  brew install graphviz             (macOS)
or print DOT and render it elsewhere: onboarding-status visualize --format dot
`;

/** The states one recorded session passed through (reading its records in the order received), and where it is now. */
async function reachedStates(machine: MachineName, log: string, id: string | undefined): Promise<Highlight> {
  const { ledger, empty } = await foldLogs([log]);
  warnEmpty('visualize', empty);
  const ids = ledger.sessionIds();
  const chosen = id ?? (ids.length === 1 ? ids[0] : undefined);
  if (chosen === undefined) {
    throw new UsageError(
      ids.length === 0
        ? `--session ${log}: no session in the log`
        : `--session ${log} holds ${ids.length} sessions (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}): choose one with --id`,
    );
  }
  const state = ledger.state(chosen);
  if (state === undefined) throw new InputError(`--session ${log}: no session ${chosen} in the log`);
  const note = (value: Readonly<Record<string, string>>, into: Set<string>) => {
    for (const [region, at] of Object.entries(value)) into.add(`${machine}.${region}.${at}`);
  };
  const reached = new Set<string>();
  const current = new Set<string>();
  const visited = visitedStates(state, flowBits(undefined));
  note(initialTransition(MODELS[machine].machine as AnyStateMachine)[0].value as Record<string, string>, reached);
  for (const step of visited) note(step[machine].value, reached);
  note((visited.at(-1) as SessionMachines)[machine].value, current);
  for (const ref of current) reached.add(ref);
  return { reached, current };
}

/** Run Graphviz's dot; `undefined` when it is not installed. */
function renderSvg(dot: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('dot', ['-Tsvg'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(undefined) : reject(error)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else if (code !== null)
        reject(new Error(`dot failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(dot);
  });
}

export const visualizeCommand: Command = {
  name: 'visualize',
  summary: 'draw a machine as Mermaid, DOT, SVG or JSON; highlight a recorded session',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, {
      format: { type: 'string', short: 'f' },
      session: { type: 'string' },
      id: { type: 'string' },
      internal: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    const machine = machineArgument(MACHINES, positionals);
    const format = values.format ?? 'mermaid';
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(
        `${unknown('format', format, FORMATS, (s) => `"${s}"`)}: expected one of ${FORMATS.join(', ')}`,
      );
    }
    if (values.id !== undefined && values.session === undefined) throw new UsageError('--id needs --session LOG');
    const diagram = machineDiagram(MODELS[machine].machine as AnyStateMachine);
    const options: DiagramOptions = {
      internal: values.internal === true,
      ...(values.session === undefined ? {} : { highlight: await reachedStates(machine, values.session, values.id) }),
    };
    if (format === 'mermaid') process.stdout.write(toMermaid(diagram, options));
    else if (format === 'json') process.stdout.write(`${JSON.stringify(toJsonGraph(diagram, options), null, 2)}\n`);
    else if (format === 'dot') process.stdout.write(toDot(diagram, options));
    else {
      const svg = await renderSvg(toDot(diagram, options));
      if (svg === undefined) {
        process.stderr.write(`onboarding-status: ${INSTALL_GRAPHVIZ}`);
        return EXIT.failed;
      }
      process.stdout.write(svg);
    }
    return EXIT.ok;
  },
};
