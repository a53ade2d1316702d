#!/usr/bin/env node
/**
 * The `onboarding-status` command line.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FlowConfig } from '../types.js';
import { foldLogs } from './replay.js';

const USAGE = `Usage: onboarding-status replay FILE... [--json] [--flow FLOW.json]

Fold JSON Lines logs of delivery records into one view per session.
  --json         print {"sessions":[...],"anomalies":[...]} (SPEC 2.2)
  --flow FILE    a flow configuration: {"modules":["id","face",...]}
`;

class UsageError extends Error {}

function readFlow(path: string | undefined): FlowConfig | undefined {
  if (path === undefined) return undefined;
  const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!value || typeof value !== 'object' || !Array.isArray((value as FlowConfig).modules)) {
    throw new UsageError(`--flow ${path}: expected {"modules":[...]}`);
  }
  return value as FlowConfig;
}

async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, flow: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('replay needs at least one FILE (or - for stdin)');
  const ledger = await foldLogs(positionals, { flow: readFlow(values.flow) });
  const snapshot = ledger.snapshot();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(snapshot)}\n`);
    return 0;
  }
  for (const view of snapshot.sessions) {
    process.stdout.write(
      `${view.interviewId}\t${view.status}\t${view.decision}\t${view.fetchable.join(',') || '-'}\t${view.anomalies.length} anomalies\n`,
    );
  }
  if (snapshot.anomalies.length > 0)
    process.stdout.write(`(${snapshot.anomalies.length} records belong to no session)\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'replay') return replay(rest);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`onboarding-status: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`onboarding-status: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
