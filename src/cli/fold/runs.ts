/**
 * Output in order, in bounded memory: entries (a sort key and a text) are kept in memory until
 * they pass a budget, then sorted and written to a temporary file (a "run"); reading them back
 * merges the runs, so the whole comes out sorted by key whatever its size.
 */
import { type TempReader, TempWriter } from './temp.js';

/** One piece of output: its text, the key that orders it, and the errors it reports. */
export interface Entry {
  readonly key: string;
  readonly text: string;
  readonly errors: number;
}

const byKey = (a: Entry, b: Entry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Entries sorted by key, spilled to temporary files past a budget of bytes. */
export class SortedRuns {
  #items: Entry[] = [];
  #bytes = 0;
  readonly #runs: TempWriter[] = [];

  constructor(readonly budget: number) {}

  add(entry: Entry): void {
    this.#items.push(entry);
    this.#bytes += (entry.key.length + entry.text.length) * 2 + 64;
    if (this.#bytes > this.budget) this.#spill();
  }

  #spill(): void {
    this.#items.sort(byKey);
    const run = new TempWriter();
    for (const entry of this.#items) {
      run.string(entry.key);
      run.string(entry.text);
      run.uint32(entry.errors);
    }
    run.flush();
    this.#runs.push(run);
    this.#items = [];
    this.#bytes = 0;
  }

  /** Every entry added, sorted by key (equal keys in the order added, within one run). */
  *sorted(): Generator<Entry> {
    if (this.#runs.length === 0) {
      const items = this.#items.sort(byKey);
      this.#items = [];
      yield* items;
      return;
    }
    if (this.#items.length > 0) this.#spill();
    yield* mergeSorted(this.#runs.map((run) => readRun(run.reader())));
    for (const run of this.#runs) run.close();
  }
}

function* readRun(reader: TempReader): Generator<Entry> {
  while (!reader.done) yield { key: reader.string(), text: reader.string(), errors: reader.uint32() };
}

/** Merge sorted sources into one sorted sequence (of equal keys, the first source's first). */
export function* mergeSorted<T extends { readonly key: string }>(sources: readonly Iterator<T>[]): Generator<T> {
  // A binary heap of the sources' next entries, by key, then source index.
  const heads: { entry: T; source: number }[] = [];
  const less = (a: { entry: T; source: number }, b: { entry: T; source: number }) =>
    a.entry.key < b.entry.key || (a.entry.key === b.entry.key && a.source < b.source);
  const push = (item: { entry: T; source: number }) => {
    heads.push(item);
    let i = heads.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heads[i], heads[parent])) break;
      [heads[i], heads[parent]] = [heads[parent], heads[i]];
      i = parent;
    }
  };
  const pop = () => {
    const top = heads[0];
    const last = heads.pop() as { entry: T; source: number };
    if (heads.length > 0) {
      heads[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heads.length && less(heads[left], heads[smallest])) smallest = left;
        if (right < heads.length && less(heads[right], heads[smallest])) smallest = right;
        if (smallest === i) break;
        [heads[i], heads[smallest]] = [heads[smallest], heads[i]];
        i = smallest;
      }
    }
    return top;
  };
  sources.forEach((source, index) => {
    const next = source.next();
    if (!next.done) push({ entry: next.value, source: index });
  });
  while (heads.length > 0) {
    const { entry, source } = pop();
    yield entry;
    const next = sources[source].next();
    if (!next.done) push({ entry: next.value, source });
  }
}
