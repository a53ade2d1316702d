/**
 * The options `replay` and `validate` share for logs of any size: `--jobs`, `--max-memory` and
 * `--progress`, read once for both, with their help text.
 */
import { statSync } from 'node:fs';
import { UsageError } from '../usage.js';
import { defaultJobs, defaultMaxMemory } from './fold.js';

/** The options, as `parse` declares them. */
export const FOLD_OPTIONS = {
  jobs: { type: 'string' },
  'max-memory': { type: 'string' },
  progress: { type: 'boolean' },
} as const;

/** Their lines in a command's help. */
export const FOLD_HELP = `  --jobs N         worker threads that fold the log (default: one per core, here ${defaultJobs()},
                   one for logs under 16 MB); the output is the same for any N
  --max-memory SIZE
                   about how much memory to use (default 192M and 64M per job, here
                   ${defaultMaxMemory(defaultJobs()) / 2 ** 20}M; K, M, G suffixes):
                   sessions that do not fit are partitioned to temporary files in
                   TMPDIR first, and folded a partition at a time
  --progress       show records, rate, sessions and memory on stderr while reading
                   (on a terminal only)`;

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Logs smaller than this are folded in one thread by default: starting workers would cost more. */
const BYTES_A_JOB = 16 * 2 ** 20;

/** Read `--jobs`: a whole number from 1; by default one per core, fewer for small files. */
export function readJobs(text: string | undefined, files: readonly string[]): number {
  if (text === undefined) {
    let bytes = 0;
    for (const file of files) {
      try {
        bytes += file === '-' ? Number.POSITIVE_INFINITY : statSync(file).size;
      } catch {
        // unreadable: said so when it is read
      }
    }
    return Math.max(1, Math.min(defaultJobs(), Math.ceil(bytes / BYTES_A_JOB)));
  }
  if (!/^[1-9]\d{0,3}$/.test(text))
    throw new UsageError(`--jobs expects a whole number from 1, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Read `--max-memory`: bytes, or a number with K, M, G (or KB, MB, GB); the default for `jobs`. */
export function readSize(text: string | undefined, jobs: number): number {
  if (text === undefined) return defaultMaxMemory(jobs);
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  const bytes = match === null ? Number.NaN : Number(match[1]) * (UNITS[(match[2] as string).toLowerCase()] as number);
  if (!Number.isFinite(bytes) || bytes < 2 ** 20) {
    throw new UsageError(`--max-memory expects a size of at least 1M (like 512M or 2G), got ${JSON.stringify(text)}`);
  }
  return Math.floor(bytes);
}
