/**
 * The views a store keeps are a replay's: realistic histories (correlated records, shared ids,
 * ties, copies, stale polls, noise) appended in any order, cut into any calls, some calls
 * sharing a commit and some records sent twice, leave every session's stored view equal to the
 * view a replay of the stored records gives, midway and at the end. On SQLite in memory (the
 * merge and fold paths are the store-independent part; the contract runs on PostgreSQL too).
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { permutedHistoryArb } from '../support/histories.js';
import { expectViewsEqualReplay, toStore } from './contract.js';

/** A history's records in the order received by the store, cut into calls; some calls share a commit. */
const appendsArb = permutedHistoryArb.chain(({ permuted }) =>
  fc.record({
    records: fc.constant(permuted),
    cuts: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: permuted.length, maxLength: permuted.length }),
    together: fc.array(fc.boolean(), { minLength: permuted.length, maxLength: permuted.length }),
    again: fc.array(fc.nat(Math.max(0, permuted.length - 1)), { maxLength: 3 }),
  }),
);

describe('views kept by appends', () => {
  test.prop([appendsArb], { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) / 2 })(
    'equal a replay of the stored records, however records are ordered, cut into calls and committed',
    async ({ records, cuts, together, again }) => {
      const store = createSqliteStore(':memory:');
      try {
        const calls: (typeof records)[] = [];
        for (let i = 0, c = 0; i < records.length; c++) {
          calls.push(records.slice(i, i + (cuts[c] ?? 1)));
          i += cuts[c] ?? 1;
        }
        // The same records once more (the same text is stored once).
        calls.push(again.map((i) => records[i]).filter((record) => record !== undefined));
        let inFlight: Promise<unknown>[] = [];
        for (const [c, call] of calls.entries()) {
          inFlight.push(store.append(call.map(toStore)));
          // Calls made in one turn share a commit; the others wait for the one before.
          if (!together[c]) {
            await Promise.all(inFlight);
            inFlight = [];
          }
          if (c === Math.floor(calls.length / 2)) {
            await Promise.all(inFlight);
            inFlight = [];
            await expectViewsEqualReplay(store);
          }
        }
        await Promise.all(inFlight);
        await expectViewsEqualReplay(store);
      } finally {
        await store.close();
      }
    },
  );
});
