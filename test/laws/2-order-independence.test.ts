/** Law 2: any permutation of the same records gives the same status, decision and fetchable. */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decisionsOf, fold } from '../support/fold.js';
import { permutedHistoryArb } from '../support/histories.js';

describe('law 2: order independence', () => {
  test.prop([permutedHistoryArb])(
    'status, decision and fetchable (with stages, refetch and endpoints) do not depend on arrival order',
    ({ history, permuted }) => {
      expect(decisionsOf(fold(permuted))).toEqual(decisionsOf(fold(history.records)));
    },
  );

  test.prop([permutedHistoryArb])('the reversed order agrees too (the most late deliveries)', ({ history }) => {
    expect(decisionsOf(fold([...history.records].reverse()))).toEqual(decisionsOf(fold(history.records)));
  });
});
