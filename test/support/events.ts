/** Arbitrary machine events: every event type the reducer feeds, with colliding keys and times. */
import fc from 'fast-check';
import type { EvidenceEvent } from '../../src/index.js';
import { ONBOARDING_STATUSES } from '../../src/index.js';
import type { DeliveryKey } from '../../src/types.js';
import { SESSION_KINDS } from '../../src/vendor/kinds.js';

const keyArb = fc.constantFrom(0, 1, 2, 3, 4, 5).map((k) => k as DeliveryKey);
const atArb = fc.integer({ min: 0, max: 100 });

/** Any evidence event, from a small pool of keys so copies and earlier copies occur. */
export const evidenceEventArb: fc.Arbitrary<EvidenceEvent> = fc.oneof(
  fc.record({ type: fc.constantFrom(...ONBOARDING_STATUSES), key: keyArb, at: atArb }),
  fc.record({ type: fc.constantFrom(...ONBOARDING_STATUSES), key: keyArb, at: atArb, requestedAt: atArb }),
  fc.record({
    type: fc.constantFrom(...SESSION_KINDS),
    key: keyArb,
    at: atArb,
  }),
  fc.record({ type: fc.constant('video-selfie'), key: keyArb, at: atArb }),
  fc.record({ type: fc.constant('watchlist'), key: keyArb, at: atArb, ref: fc.constantFrom('a', 'b') }),
  fc.record({
    type: fc.constantFrom('face-authentication', 'authentication'),
    key: keyArb,
    at: atArb,
    outcome: fc.constantFrom('succeeded', 'failed'),
  }),
  fc.record({
    type: fc.constantFrom('work-history', 'proof-of-payment'),
    key: keyArb,
    at: atArb,
    requestId: fc.constantFrom('r1', 'r2'),
  }),
  fc.record({
    type: fc.constant('ine-scraping'),
    key: keyArb,
    at: atArb,
    progress: fc.constantFrom('IN_PROGRESS', 'FINISHED'),
  }),
) as fc.Arbitrary<EvidenceEvent>;
