#!/usr/bin/env node
/**
 * A stand-alone entry for `simulate` (`node --import tsx scripts/simulate.ts …`), until the main
 * command line dispatches `simulate` to `simulateCommand`.
 */
import { simulateCommand } from '../src/simulator/cli.js';

const args = process.argv.slice(2);
if (args[0] === 'simulate') args.shift();
simulateCommand(args).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`onboarding-status simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
