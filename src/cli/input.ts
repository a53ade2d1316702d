/**
 * Reading logs: JSON Lines streamed line by line into a ledger, so memory holds the sessions'
 * states and never the lines. `-` is stdin.
 */
import { createReadStream } from 'node:fs';
import { Ledger, type LedgerOptions, type Routed } from '../core/ledger.js';
import { progressLine } from './progress.js';
import { LogCheck } from './sniff.js';
import { InputError } from './usage.js';

/** What a fold read. */
export interface FoldResult {
  readonly ledger: Ledger;
  /** Non-blank lines read. */
  readonly records: number;
  /** The inputs that held no record (a warning: an empty log is more often a mistake than news). */
  readonly empty: readonly string[];
}

/** Options of `foldLogs`. */
export interface FoldOptions extends LedgerOptions {
  /** Called after each record is applied (e.g. to watch one session's states). */
  readonly onRecord?: (routed: Routed, ledger: Ledger) => void;
}

/** Fold logs into a ledger, line by line, with a progress line on a terminal. */
export async function foldLogs(files: readonly string[], options: FoldOptions = {}): Promise<FoldResult> {
  const ledger = new Ledger(options);
  const progress = progressLine();
  const sessions = () => ledger.size;
  let records = 0;
  const empty: string[] = [];
  try {
    for (const file of files) {
      const check = new LogCheck(file === '-' ? 'stdin' : file);
      const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      const failure = new Promise<never>((_, reject) => {
        input.once('error', (error: NodeJS.ErrnoException) =>
          reject(new InputError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)),
        );
      });
      failure.catch(() => {});
      let line = 0;
      const take = (read: string) => {
        line++;
        // A byte-order mark at the start of a log is no part of its first record.
        const text = line === 1 && read.charCodeAt(0) === 0xfeff ? read.slice(1) : read;
        if (text.trim() === '') return;
        check.line(text);
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
          check.chunk(piece);
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
      try {
        await Promise.race([reading, failure]);
      } finally {
        if (input !== process.stdin) input.destroy();
      }
      if (check.end().empty) empty.push(check.name);
    }
  } finally {
    progress.done();
  }
  return { ledger, records, empty };
}

/** Say on stderr which inputs held no record: a warning, since an empty log is usually a mistake. */
export function warnEmpty(command: string, empty: readonly string[]): void {
  for (const name of empty) process.stderr.write(`onboarding-status ${command}: warning: ${name} holds no records\n`);
}
