/**
 * The real events that drive each machine through every state, for @xstate/graph. They are
 * passed explicitly (the graph would otherwise try XState's internal events).
 */
import type { MachineName } from '../../machines/index.js';
import type { EvidenceEvent } from '../types.js';
import { SESSION_KINDS } from '../vendor/kinds.js';
import { ONBOARDING_STATUSES } from '../vendor/statuses.js';

/** For each machine, the events that drive it through every state (for @xstate/graph traversals). */
export const GRAPH_EVENTS: Readonly<Record<MachineName, readonly EvidenceEvent[]>> = {
  onboarding: [
    ...ONBOARDING_STATUSES.filter((s) => s !== 'UNKNOWN').map((type, i) => ({ type, at: 10 + i })),
    { type: 'session-pending-review', at: 5 },
    { type: 'session-succeeded', at: 30 },
    { type: 'session-failed', at: 31 },
    { type: 'MANUAL_REVIEW_APPROVED', at: 101, requestedAt: 100 },
    { type: 'MANUAL_REVIEW_REJECTED', at: 111, requestedAt: 110 },
    { type: 'ine-scraping', at: 40, progress: 'FINISHED' },
  ],
  session: SESSION_KINDS.map((type, i) => ({ type, at: i })),
  evidence: [
    { type: 'video-selfie', at: 1 },
    { type: 'watchlist', at: 2 },
    { type: 'face-authentication', at: 3, outcome: 'succeeded' },
    { type: 'face-authentication', at: 4, outcome: 'failed' },
    { type: 'work-history', at: 5 },
    { type: 'proof-of-payment', at: 6 },
    { type: 'authentication', at: 7, outcome: 'succeeded' },
    { type: 'authentication', at: 8, outcome: 'failed' },
    { type: 'ine-scraping', at: 9, progress: 'IN_PROGRESS' },
    { type: 'ine-scraping', at: 10, progress: 'FINISHED' },
  ],
};
