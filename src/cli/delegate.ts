/**
 * Commands loaded only when asked for: those other parts of the project provide (`serve`: the
 * webhook service, `simulate`: the simulator), and those whose libraries other commands need not
 * load (`paths`). Each module exports a `Command`, parsed and reported like every other. A build
 * without them says so.
 */
import { fileURLToPath } from 'node:url';
import { type Command, EXIT } from './usage.js';

/** A command whose module may be absent from this build. */
export function delegated(name: string, summary: string, specifier: string, exported: string): Command {
  return {
    name,
    summary,
    usage: `Usage: onboarding-status ${name} [--help]\n`,
    async run(args) {
      const url = new URL(specifier, import.meta.url);
      let module: Record<string, unknown>;
      try {
        module = (await import(url.href)) as Record<string, unknown>;
      } catch (error) {
        const missing =
          (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
          String((error as Error).message).includes(fileURLToPath(url));
        if (!missing) throw error;
        process.stderr.write(
          `onboarding-status: ${name} is not available in this build (${fileURLToPath(url)} is missing)\n`,
        );
        return EXIT.usage;
      }
      const command = module[exported] as Partial<Command> | undefined;
      if (typeof command?.run !== 'function') {
        process.stderr.write(`onboarding-status: ${name} is not available in this build (no ${exported} export)\n`);
        return EXIT.usage;
      }
      return command.run(args);
    },
  };
}
