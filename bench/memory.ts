/**
 * Benchmark 1b: the heap a session takes at rest in a `Ledger`. The bench workload (the laws'
 * history generator: whole histories, every kind, retries, polls, noise) is written once as a
 * JSON Lines log; this process folds it line by line, as `replay` reads a file, and compares
 * `heapUsed` (plus array buffers) after a full garbage collection before and after the fold.
 *
 *   node --import tsx bench/memory.ts                 # this core
 *   BENCH_CORE=/path/to/src/index.ts node --import tsx bench/memory.ts   # another checkout's core
 *
 * Only `new Ledger()` and `ledger.addLine(line, {file, line})` are used, so an older core can be
 * measured by the very same script.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { machine } from './measure.js';

const RECORDS = Number(process.env.BENCH_MEMORY_RECORDS ?? 400_000);
const CORE = process.env.BENCH_CORE ?? '../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The workload as a log, written once (`.bench/workload-N.jsonl`). */
async function workloadLog(): Promise<string> {
  mkdirSync('.bench', { recursive: true });
  const file = `.bench/workload-${RECORDS}.jsonl`;
  if (existsSync(file)) return file;
  const { workloadRecords } = await import('./workload.js');
  const out = createWriteStream(`${file}.tmp`);
  for (const record of workloadRecords(RECORDS)) {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
  }
  await new Promise<void>((resolve) => out.end(resolve));
  renameSync(`${file}.tmp`, file);
  return file;
}

const heap = () => {
  for (let i = 0; i < 4; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

const file = await workloadLog();
const { Ledger } = (await import(CORE)) as {
  Ledger: new () => { addLine(line: string, source: { file: string; line: number }): unknown; size: number };
};
const before = heap();
const ledger = new Ledger();
let line = 0;
for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
  line++;
  if (text !== '') ledger.addLine(text, { file, line });
}
const after = heap();
console.log(
  JSON.stringify({
    bench: 'memory',
    core: CORE,
    records: line,
    sessions: ledger.size,
    bytesPerSession: Math.round((after - before) / ledger.size),
    machine: machine(),
  }),
);
