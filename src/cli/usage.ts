/**
 * What every command shares: the usage error (exit 2), option parsing that turns Node's errors
 * into usage errors, and the exit codes.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Exit codes: 0 success, 1 the input has problems (or the tool failed), 2 the command line is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake on the command line: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** A command of the command line. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

/** The options a command declares, as `node:util` `parseArgs` reads them. */
export type Options = Readonly<Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>;

/** The parsed values of declared options (and `--help`). */
export type Values<T extends Options> = {
  -readonly [K in keyof T]?: T[K] extends { type: 'boolean' }
    ? boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
} & { help?: boolean };

/** Parse a command's arguments; unknown options and missing values are usage errors. */
export function parse<const T extends Options>(
  command: Pick<Command, 'usage'>,
  args: string[],
  options: T,
): { values: Values<T>; positionals: string[] } {
  const config: ParseArgsConfig = {
    args,
    allowPositionals: true,
    strict: true,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
  };
  try {
    const { values, positionals } = parseArgs(config);
    return { values: values as Values<T>, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command.usage);
  }
}

/** Read a machine name argument (`onboarding` when absent). */
export function machineArgument<const T extends readonly string[]>(
  command: Pick<Command, 'usage'>,
  names: T,
  positionals: readonly string[],
): T[number] {
  if (positionals.length > 1)
    throw new UsageError(`expected at most one MACHINE, got ${positionals.join(' ')}`, command.usage);
  const name = positionals[0] ?? 'onboarding';
  if (!names.includes(name)) {
    throw new UsageError(`unknown machine "${name}": expected one of ${names.join(', ')}`, command.usage);
  }
  return name;
}
