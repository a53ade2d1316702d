#!/usr/bin/env node
/**
 * A stand-alone entry for `serve` (`node --import tsx src/service/cli-entry.ts serve …`), so the
 * tests and scripts run the service from the sources; reported as the command line reports it.
 */
import { runCommand } from '../cli/usage.js';
import { serveCommand } from './cli.js';

const args = process.argv.slice(2);
if (args[0] === 'serve') args.shift();
process.exitCode = await runCommand(serveCommand, args);
