/** Arbitrary machine events: every event type the core feeds, with colliding times. */
import fc from 'fast-check';
import type { EvidenceEvent } from '../../src/index.js';
import { ONBOARDING_STATUSES } from '../../src/index.js';
import { SESSION_KINDS } from '../../src/vendor/kinds.js';

const atArb = fc.integer({ min: 0, max: 100 });

/** Any evidence event, with times from a small range so ties and reversals occur. */
export const evidenceEventArb: fc.Arbitrary<EvidenceEvent> = fc.oneof(
  fc.record({ type: fc.constantFrom(...ONBOARDING_STATUSES), at: atArb }),
  fc.record({ type: fc.constantFrom(...ONBOARDING_STATUSES), at: atArb, requestedAt: atArb }),
  fc.record({ type: fc.constantFrom(...SESSION_KINDS), at: atArb }),
  fc.record({ type: fc.constantFrom('video-selfie', 'watchlist', 'work-history', 'proof-of-payment'), at: atArb }),
  fc.record({
    type: fc.constantFrom('face-authentication', 'authentication'),
    at: atArb,
    outcome: fc.constantFrom('succeeded', 'failed'),
  }),
  fc.record({ type: fc.constant('ine-scraping'), at: atArb, progress: fc.constantFrom('IN_PROGRESS', 'FINISHED') }),
) as fc.Arbitrary<EvidenceEvent>;

/** A flow's onboarding modules as the machines' input bits (every module: 15). */
export const flowBitsArb = fc.integer({ min: 0, max: 15 });
