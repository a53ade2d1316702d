#!/usr/bin/env node
/**
 * A stand-alone entry for `serve` (`node --import tsx src/service/cli-entry.ts serve …`), used by
 * the tests and scripts until the main command line dispatches `serve` to `serveCommand`.
 */
import { serveCommand } from './cli.js';

const args = process.argv.slice(2);
if (args[0] === 'serve') args.shift();
serveCommand(args).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`onboarding-status serve: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
