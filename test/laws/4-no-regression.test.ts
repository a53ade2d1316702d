/**
 * Law 4: a late or repeated delivery, or a stale poll, never moves a session back: after every
 * record of any ordering, status only advances and a fetchable module stays fetchable (and final
 * stays final).
 *
 * One exception comes from the correlation rule itself: a record naming no session joins the
 * session of the earliest record carrying its id, so when a second session turns out to carry
 * the same id earlier, the record moves there (reported `ambiguous-correlation`). Sessions whose
 * ids another session carries are checked without the modules such records alone justify.
 */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Ledger, type SessionView, STATUS_FACTS } from '../../src/index.js';
import { permutedHistoryArb } from '../support/histories.js';
import { correlate } from '../support/oracle.js';

describe('law 4: no regression', () => {
  test.prop([permutedHistoryArb])(
    'status rank and fetchable modules never go back, record after record',
    ({ permuted }) => {
      const sessionOf = correlate(permuted);
      // The modules only records naming no session justify (a proof of payment, a face
      // authentication by identity) may move when such a record is ambiguous.
      const movable = permuted.some((record) => sessionOf(record).ambiguous)
        ? new Set(['proofOfPayment', 'faceAuthentication'])
        : new Set<string>();
      const ledger = new Ledger();
      const last = new Map<string, SessionView>();
      for (const record of permuted) {
        const routed = ledger.addRaw(record);
        if (routed.to !== 'session') continue;
        const view = ledger.view(routed.interviewId) as SessionView;
        const before = last.get(view.interviewId);
        if (before) {
          expect(STATUS_FACTS[view.status].rank).toBeGreaterThanOrEqual(STATUS_FACTS[before.status].rank);
          for (const module of before.fetchable) {
            if (movable.has(module)) continue;
            expect(view.fetchable).toContain(module);
            if (before.modules[module]?.stage === 'final') expect(view.modules[module]?.stage).toBe('final');
          }
        }
        last.set(view.interviewId, view);
      }
    },
  );
});
