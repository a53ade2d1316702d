/**
 * What every command shares: the command shape, option parsing with messages a person can act on
 * (which option, the nearest one that exists), the two errors that mean exit 2, and the exit codes.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * Exit codes, the same for every command: 0 done, and no errors remain in the input; 1 errors
 * remain in the input, or the command could not do its job; 2 the command line is wrong, or an
 * input cannot be read or is not a JSON Lines log.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake on the command line: one line, a pointer to `--help`, exit 2. */
export class UsageError extends Error {}

/** An input that cannot be read, or is not a JSON Lines log: one line, exit 2. */
export class InputError extends Error {}

/** The command could not do its job for a reason a person can act on (a full disk): one line, exit 1. */
export class CommandFailure extends Error {}

/** A command of the command line. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Run with the arguments after the command's name; resolves with the exit code. */
  run(args: string[]): Promise<number>;
}

/** One option a command declares. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string;
}

/** The options a command declares. */
export type Options = Readonly<Record<string, OptionSpec>>;

/** The parsed values of declared options (and `--help`). */
export type Values<T extends Options> = {
  -readonly [K in keyof T]?: T[K] extends { type: 'boolean' }
    ? boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
} & { help?: boolean };

/** Edit distance (insertions, deletions, substitutions) between two short words. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidate nearest to a mistyped word, when one is near enough to be what was meant. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // A prefix is a likely abbreviation; otherwise a few typos, fewer for short words.
    const d = candidate.startsWith(word) && word.length >= 3 ? 1 : distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** "unknown X "w" (did you mean "v"?)", the hint only when one is near. */
export function unknown(what: string, word: string, candidates: readonly string[], quote = (s: string) => s): string {
  const near = nearest(word, candidates);
  return `unknown ${what} ${quote(word)}${near === undefined ? '' : ` (did you mean ${quote(near)}?)`}`;
}

/**
 * Parse a command's arguments against the options it declares. An unknown option (with the
 * nearest known one), a missing value or a value given to a flag is a `UsageError`.
 */
export function parse<const T extends Options>(
  args: string[],
  options: T,
): { values: Values<T>; positionals: string[] } {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  const config: ParseArgsConfig = { args, allowPositionals: true, strict: false, tokens: true, options: all };
  const { values, positionals, tokens } = parseArgs(config);
  const names = Object.keys(all).map((name) => `--${name}`);
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const spec = all[token.name];
    if (spec === undefined) throw new UsageError(unknown('option', token.rawName, names));
    if (spec.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
    // `-` alone is a value (stdin); anything else that starts with a dash is the next option.
    if (
      spec.type === 'string' &&
      (token.value === undefined || (/^-./.test(token.value) && token.inlineValue !== true))
    ) {
      throw new UsageError(`${token.rawName} needs a value`);
    }
  }
  return { values: values as Values<T>, positionals };
}

/** Read a machine name argument (`onboarding` when absent). */
export function machineArgument<const T extends readonly string[]>(
  names: T,
  positionals: readonly string[],
): T[number] {
  if (positionals.length > 1) throw new UsageError(`expected at most one MACHINE, got ${positionals.join(' ')}`);
  const name = positionals[0] ?? 'onboarding';
  if (!names.includes(name)) {
    throw new UsageError(`${unknown('machine', name, names, (s) => `"${s}"`)}: expected one of ${names.join(', ')}`);
  }
  return name;
}

/** Refuse arguments a command that takes none was given. */
export function noPositionals(positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
}

/**
 * Run a command as the command line does: a usage or input error is one line on stderr (a
 * usage error with a pointer to `--help`) and exit 2; anything else is a failure, exit 1.
 */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  const prefix = `onboarding-status ${command.name}`;
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${prefix}: ${error.message}\nRun '${prefix} --help' for its usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof InputError) {
      process.stderr.write(`${prefix}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CommandFailure) {
      process.stderr.write(`${prefix}: ${error.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`${prefix}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}
