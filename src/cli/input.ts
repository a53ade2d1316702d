/**
 * Reading logs: JSON Lines streamed line by line into a ledger, so memory holds the sessions'
 * states and never the lines. `-` is stdin.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { Ledger, type LedgerOptions, type Routed } from '../core/ledger.js';
import type { FlowConfig } from '../types.js';
import { ONBOARDING_MODULES } from '../vendor/modules.js';
import { progressLine } from './progress.js';

/** What a fold read. */
export interface FoldResult {
  readonly ledger: Ledger;
  /** Non-blank lines read. */
  readonly records: number;
}

/** Options of `foldLogs`. */
export interface FoldOptions extends LedgerOptions {
  /** Called after each record is applied (e.g. to watch one session's states). */
  readonly onRecord?: (routed: Routed, ledger: Ledger) => void;
}

/** An input that cannot be read (exit 2, as a usage error). */
export class InputError extends Error {}

/** Fold logs into a ledger, line by line, with a progress line on a terminal. */
export async function foldLogs(files: readonly string[], options: FoldOptions = {}): Promise<FoldResult> {
  const ledger = new Ledger(options);
  const progress = progressLine();
  const sessions = () => ledger.size;
  let records = 0;
  try {
    for (const file of files) {
      const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      const failure = new Promise<never>((_, reject) => {
        input.once('error', (error: NodeJS.ErrnoException) =>
          reject(new InputError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)),
        );
      });
      failure.catch(() => {});
      let line = 0;
      const take = (text: string) => {
        line++;
        if (text.trim() === '') return;
        records++;
        const routed = ledger.addLine(text.endsWith('\r') ? text.slice(0, -1) : text, { file, line });
        options.onRecord?.(routed, ledger);
        progress.tick(sessions);
      };
      // Chunks of bytes, not readline's async iterator (which queues every line of a fast file
      // ahead of a slower consumer), and each line decoded on its own: a string sliced from a
      // large chunk would keep the whole chunk alive for as long as anything read from it lives.
      const reading = (async () => {
        let rest: Buffer | undefined;
        for await (const piece of input as AsyncIterable<Buffer>) {
          const bytes = rest === undefined ? piece : Buffer.concat([rest, piece]);
          let start = 0;
          for (let end = bytes.indexOf(10); end !== -1; end = bytes.indexOf(10, start)) {
            take(bytes.toString('utf8', start, end));
            start = end + 1;
          }
          rest = start < bytes.length ? bytes.subarray(start) : undefined;
        }
        if (rest !== undefined) take(rest.toString('utf8'));
      })();
      await Promise.race([reading, failure]);
    }
  } finally {
    progress.done();
  }
  return { ledger, records };
}

/** Read a flow configuration file: `{"modules":["id","face",...]}`. */
export function readFlow(path: string | undefined): FlowConfig | undefined {
  if (path === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`cannot read --flow ${path}: ${reason}`);
  }
  const modules = (value as { modules?: unknown } | null)?.modules;
  if (!Array.isArray(modules)) throw new InputError(`--flow ${path}: expected {"modules":[...]}`);
  const unknown = modules.filter((module) => !ONBOARDING_MODULES.includes(module));
  if (unknown.length > 0) {
    throw new InputError(
      `--flow ${path}: unknown module ${unknown.map((m) => JSON.stringify(m)).join(', ')}; expected some of ${ONBOARDING_MODULES.join(', ')}`,
    );
  }
  return { modules };
}
