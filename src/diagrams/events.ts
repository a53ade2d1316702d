/**
 * The real events that drive each machine through every state, for @xstate/graph. They are
 * passed explicitly (the graph would otherwise try XState's internal events), with distinct
 * delivery keys and times so that the guards see new evidence.
 */
import type { MachineName } from '../../machines/index.js';
import { deliveryKey } from '../records/key.js';
import type { DeliveryKey, EvidenceEvent } from '../types.js';
import { SESSION_KINDS } from '../vendor/kinds.js';
import { ONBOARDING_STATUSES } from '../vendor/statuses.js';

/** A distinct delivery key per label, as the parser would derive one. */
const key = (label: string): DeliveryKey => deliveryKey('graph', label);

/** For each machine, the events that drive it through every state (for @xstate/graph traversals). */
export const GRAPH_EVENTS: Readonly<Record<MachineName, readonly EvidenceEvent[]>> = {
  onboarding: [
    ...ONBOARDING_STATUSES.filter((s) => s !== 'UNKNOWN').map((type, i) => ({ type, key: key(`w${i}`), at: 10 + i })),
    { type: 'session-pending-review', key: key('p'), at: 5 },
    { type: 'session-succeeded', key: key('ok'), at: 30 },
    { type: 'session-failed', key: key('ko'), at: 31 },
    { type: 'MANUAL_REVIEW_APPROVED', key: key('poll-a'), at: 101, requestedAt: 100 },
    { type: 'MANUAL_REVIEW_REJECTED', key: key('poll-r'), at: 111, requestedAt: 110 },
  ],
  session: SESSION_KINDS.map((type, i) => ({ type, key: key(`s${i}`), at: i })),
  evidence: [
    { type: 'video-selfie', key: key('v'), at: 1 },
    { type: 'watchlist', key: key('wl'), at: 2, ref: 'ref-1' },
    { type: 'face-authentication', key: key('fa1'), at: 3, outcome: 'succeeded' },
    { type: 'face-authentication', key: key('fa2'), at: 4, outcome: 'failed' },
    { type: 'work-history', key: key('wh'), at: 5, requestId: 'r' },
    { type: 'proof-of-payment', key: key('pp'), at: 6, requestId: 'r' },
    { type: 'authentication', key: key('au1'), at: 7, outcome: 'succeeded' },
    { type: 'authentication', key: key('au2'), at: 8, outcome: 'failed' },
    { type: 'ine-scraping', key: key('ine1'), at: 9, progress: 'IN_PROGRESS' },
    { type: 'ine-scraping', key: key('ine2'), at: 10, progress: 'FINISHED' },
  ],
};
