/**
 * Law 5: a module is fetchable only when evidence for it (SPEC 1.4) has been received, directly
 * or implied; a flow configuration narrows what completion implies. Checked against an
 * independent reading of SPEC 1.4 over the records each session received.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { OnboardingModule } from '../../src/index.js';
import { fold } from '../support/fold.js';
import { permutedHistoryArb } from '../support/histories.js';
import { justified, recordsBySession } from '../support/oracle.js';

const flowArb = fc.option(
  fc.subarray<OnboardingModule>(['id', 'secondId', 'face', 'governmentValidation']).map((modules) => ({ modules })),
  { nil: undefined },
);

describe('law 5: safety', () => {
  test.prop([permutedHistoryArb, flowArb, fc.nat()])(
    'every fetchable module, after any prefix of any order, is justified by the records received',
    ({ permuted }, flow, cutSeed) => {
      const received = permuted.slice(0, cutSeed % (permuted.length + 1));
      const ledger = fold(received, { flow });
      const bySession = recordsBySession(received);
      for (const view of ledger.snapshot().sessions) {
        const own = bySession.get(view.interviewId) ?? [];
        for (const module of view.fetchable) {
          expect(justified(own, module, flow?.modules), `${view.interviewId}: ${module}`).toBe(true);
        }
      }
    },
  );

  test.prop([permutedHistoryArb, flowArb])(
    'and conversely, every module the records justify is fetchable (nothing is withheld)',
    ({ permuted }, flow) => {
      const ledger = fold(permuted, { flow });
      const bySession = recordsBySession(permuted);
      for (const view of ledger.snapshot().sessions) {
        const own = bySession.get(view.interviewId) ?? [];
        for (const module of [
          'id',
          'secondId',
          'face',
          'governmentValidation',
          'scores',
          'videoSelfie',
          'watchlist',
          'faceAuthentication',
          'workHistory',
          'proofOfPayment',
        ] as const) {
          if (justified(own, module, flow?.modules))
            expect(view.fetchable, `${view.interviewId}: ${module}`).toContain(module);
        }
      }
    },
  );
});
