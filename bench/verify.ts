/**
 * After a benchmark: the views a store serves equal a replay of its records, for every session.
 * Every stored record is read in store order (`recordsAfter`, as `GET /records` exports them) and
 * folded with one `Ledger`; each session's stored view, rendered as the service renders it, must
 * equal the replay's, and every session the replay knows must have one.
 */
import { Ledger } from '../src/core/ledger.js';
import type { Store } from '../src/store/types.js';
import { createViewKeeper } from '../src/store/views.js';

/** What the check found. */
export interface Verified {
  readonly sessions: number;
  readonly records: number;
  /** Sessions whose stored view differs from the replay's, or is missing (the first few ids). */
  readonly mismatches: number;
  readonly examples: readonly string[];
  readonly seconds: number;
}

/** Compare every session's stored view with a replay of every stored record. */
export async function verifyViews(store: Store): Promise<Verified> {
  const started = performance.now();
  const keeper = createViewKeeper();
  const ledger = new Ledger();
  let records = 0;
  for (let after = 0; ; ) {
    const page = await store.recordsAfter(after, 10_000);
    if (page.length === 0) break;
    for (const stored of page) ledger.addRaw(stored.record);
    records += page.length;
    after = (page.at(-1) as { seq: number }).seq;
  }
  let mismatches = 0;
  const examples: string[] = [];
  const ids = ledger.sessionIds();
  for (const id of ids) {
    const row = await store.view(id);
    const served =
      row === undefined ? undefined : (keeper.render(row) ?? keeper.viewOf(id, await store.sessionRecords(id)));
    if (JSON.stringify(served) !== JSON.stringify(ledger.view(id))) {
      mismatches++;
      if (examples.length < 5) examples.push(id);
    }
  }
  return { sessions: ids.length, records, mismatches, examples, seconds: (performance.now() - started) / 1000 };
}
