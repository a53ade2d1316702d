#!/usr/bin/env node
/**
 * The `onboarding-status` command line: a thin face over the core. Each command lives in its own
 * file; this one dispatches, prints help and version, and maps failures to exit codes.
 */
import { readFileSync } from 'node:fs';
import { delegated } from './delegate.js';
import { replayCommand } from './replay.js';
import { type Command, EXIT, runCommand, unknown } from './usage.js';
import { validateCommand } from './validate.js';
import { visualizeCommand } from './visualize.js';

const COMMANDS: readonly Command[] = [
  replayCommand,
  validateCommand,
  visualizeCommand,
  // Loaded when asked for: the path generator's graph library is a memory `replay` need not carry.
  delegated(
    'paths',
    'export shortest or simple paths of a machine as JSON Lines test vectors',
    './paths.js',
    'pathsCommand',
  ),
  delegated(
    'serve',
    'run the webhook service: receive webhooks, answer session views',
    '../service/cli.js',
    'serveCommand',
  ),
  delegated(
    'rebuild',
    "fold the service store's session views again from its records",
    '../service/rebuild-command.js',
    'rebuildCommand',
  ),
  delegated('simulate', 'simulate the vendor sending webhooks', '../simulator/cli.js', 'simulateCommand'),
];

const USAGE = `Usage: onboarding-status <command> [options]

Turn Incode onboarding webhooks and polls, in whatever order they arrived, into one answer
per session: status, decision, and what may be fetched now. The records, the view and every
anomaly are described in docs/spec.md, shipped with the package.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

Exit status: 0 done, no errors remain in the input; 1 errors remain, or the command could
not do its job; 2 the command line is wrong, or an input is unreadable or not JSON Lines.

Options:
  -h, --help     show this help (\`onboarding-status <command> --help\` for a command's)
  -V, --version  print the version

Examples:
  onboarding-status replay examples/every-kind.jsonl
  onboarding-status validate --strict logs/*.jsonl
  onboarding-status visualize onboarding --format svg > onboarding.svg
  onboarding-status paths session > session-vectors.jsonl
`;

/** The package's version, from the package.json above this file. */
function version(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'onboarding-status' && pkg.version) return pkg.version;
    } catch {
      // not here: look one directory up
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(USAGE);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (command !== undefined) return runCommand(command, ['--help']);
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const what = name.startsWith('-') ? 'option' : 'command';
    const candidates = what === 'option' ? ['--help', '--version'] : COMMANDS.map((c) => c.name);
    process.stderr.write(
      `onboarding-status: ${unknown(what, name, candidates)}\nRun 'onboarding-status --help' for the commands.\n`,
    );
    return EXIT.usage;
  }
  return runCommand(command, rest);
}

// Output piped into \`head\` closes early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
