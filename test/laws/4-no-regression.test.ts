/**
 * Law 4: a late or repeated delivery, or a stale poll, never moves a session back: after every
 * record of any ordering, status only advances and a fetchable module stays fetchable (and final
 * stays final).
 */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Ledger, type SessionView, STATUS_FACTS } from '../../src/index.js';
import { permutedHistoryArb } from '../support/histories.js';

describe('law 4: no regression', () => {
  test.prop([permutedHistoryArb])(
    'status rank and fetchable modules never go back, record after record',
    ({ permuted }) => {
      const ledger = new Ledger();
      const last = new Map<string, SessionView>();
      for (const record of permuted) {
        ledger.add(record);
        for (const view of ledger.snapshot().sessions) {
          const before = last.get(view.interviewId);
          if (before) {
            expect(STATUS_FACTS[view.status].rank).toBeGreaterThanOrEqual(STATUS_FACTS[before.status].rank);
            for (const module of before.fetchable) {
              expect(view.fetchable).toContain(module);
              if (before.modules[module]?.stage === 'final') expect(view.modules[module]?.stage).toBe('final');
            }
          }
          last.set(view.interviewId, view);
        }
      }
    },
  );
});
