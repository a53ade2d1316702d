/**
 * `replay`: fold JSON Lines logs of delivery records into session views. A face over the core:
 * it reads lines and prints; every decision is the ledger's.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Ledger, type LedgerOptions } from '../core/ledger.js';

/** Fold one or more logs (a path, or `-` for stdin) into a ledger, streaming line by line. */
export async function foldLogs(files: readonly string[], options: LedgerOptions = {}): Promise<Ledger> {
  const ledger = new Ledger(options);
  for (const file of files) {
    const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      ledger.addLine(text, { file, line });
    }
  }
  return ledger;
}
