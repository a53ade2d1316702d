/** Run the built command line as a user does: a real process, its exit code, stdout and stderr. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built binary (`npm run build`; `npm test` builds first). */
export const BIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** What a run of the binary gave. */
export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `onboarding-status ARGS` in the repository root, with stdin and extra environment. */
export function cli(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test builds first)`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.COLUMNS;
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...env, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Parse stdout as JSON, with the run in the message when it is not. */
export function json<T = unknown>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.status}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what we look for
export const ANSI = /\u001b\[/;
