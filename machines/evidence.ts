/**
 * Evidence of the other webhook kinds (SPEC 1.2): video selfie, watchlist updates, face
 * authentication, Mexican work history and proof of payment, and the deprecated authentication
 * and INE scraping. Each region only records: the view reads it to say what may be fetched.
 */
import { assign, setup } from 'xstate';
import { addsTo, type Keyed, keepEarliest } from '../src/core/keyed.js';
import type { Model } from '../src/core/model.js';
import type { Millis, OtherEvidenceEvent, Outcome } from '../src/types.js';

/** An attempt of a face authentication or deprecated authentication. */
export interface Attempt {
  readonly outcome: Outcome;
  readonly at: Millis;
}

/** What the evidence machine remembers: every delivery, at its earliest copy. */
export type EvidenceContext = {
  readonly watchlist: Keyed<{ readonly ref: string; readonly at: Millis }>;
  readonly faceAuthentication: Keyed<Attempt>;
  readonly authentication: Keyed<Attempt>;
  readonly ineFinished: Keyed<{ readonly at: Millis }>;
  /** Mexican request ids seen (sorted), to correlate deliveries that carry only one. */
  readonly requestIds: readonly string[];
};

type AttemptKind = 'faceAuthentication' | 'authentication';
const ATTEMPTS: Partial<Record<OtherEvidenceEvent['type'], AttemptKind>> = {
  'face-authentication': 'faceAuthentication',
  authentication: 'authentication',
};

function recordAttempt(context: EvidenceContext, event: OtherEvidenceEvent): EvidenceContext {
  const region = ATTEMPTS[event.type];
  if (region === undefined || !('outcome' in event)) return context;
  const attempts = keepEarliest(context[region], event.key, { outcome: event.outcome, at: event.at });
  return attempts === context[region] ? context : { ...context, [region]: attempts };
}

/** The outcome of the latest attempt by time (a failure wins a tie: the cautious reading). */
function latestOutcome(attempts: Keyed<Attempt>): Outcome | undefined {
  let latest: Attempt | undefined;
  for (const attempt of attempts) {
    if (latest === undefined || attempt.at > latest.at || (attempt.at === latest.at && attempt.outcome === 'failed')) {
      latest = attempt;
    }
  }
  return latest?.outcome;
}

const addsAttempt = (context: EvidenceContext, event: OtherEvidenceEvent) => {
  const region = ATTEMPTS[event.type];
  return region !== undefined && addsTo(context[region], event.key, event.at);
};

const latestBecomes = (outcome: Outcome) => (context: EvidenceContext, event: OtherEvidenceEvent) => {
  const region = ATTEMPTS[event.type];
  return (
    region !== undefined &&
    addsAttempt(context, event) &&
    latestOutcome(recordAttempt(context, event)[region]) === outcome
  );
};

/** The pure logic the evidence machine's guards and actions call. */
export const evidenceLogic = {
  guards: {
    /** A watchlist delivery not recorded yet (every delivery of a watchlist counts). */
    isNewWatchlistUpdate: (context: EvidenceContext, event: OtherEvidenceEvent) =>
      event.type === 'watchlist' && addsTo(context.watchlist, event.key, event.at),
    addsAttempt,
    latestSucceeds: latestBecomes('succeeded'),
    latestFails: latestBecomes('failed'),
    isIneFinished: (_context: EvidenceContext, event: OtherEvidenceEvent) =>
      event.type === 'ine-scraping' && event.progress === 'FINISHED',
    isNewIneFinished: (context: EvidenceContext, event: OtherEvidenceEvent) =>
      event.type === 'ine-scraping' &&
      event.progress === 'FINISHED' &&
      addsTo(context.ineFinished, event.key, event.at),
    hasNewRequestId: (context: EvidenceContext, event: OtherEvidenceEvent) =>
      'requestId' in event && event.requestId !== undefined && !context.requestIds.includes(event.requestId),
  },
  updates: {
    recordWatchlist: (context: EvidenceContext, event: OtherEvidenceEvent): EvidenceContext => {
      if (event.type !== 'watchlist') return context;
      const watchlist = keepEarliest(context.watchlist, event.key, { ref: event.ref, at: event.at });
      return watchlist === context.watchlist ? context : { ...context, watchlist };
    },
    recordAttempt,
    recordIneFinished: (context: EvidenceContext, event: OtherEvidenceEvent): EvidenceContext => {
      const ineFinished = keepEarliest(context.ineFinished, event.key, { at: event.at });
      return ineFinished === context.ineFinished ? context : { ...context, ineFinished };
    },
    recordRequestId: (context: EvidenceContext, event: OtherEvidenceEvent): EvidenceContext => {
      if (!('requestId' in event) || event.requestId === undefined) return context;
      if (context.requestIds.includes(event.requestId)) return context;
      return { ...context, requestIds: [...context.requestIds, event.requestId].sort() };
    },
  },
};

/** Attempts: the state is the outcome of the latest attempt, whatever order they came in. */
const attemptTransitions = {
  none: [
    { guard: 'latestSucceeds', target: 'succeeded', actions: 'recordAttempt' },
    { guard: 'latestFails', target: 'failed', actions: 'recordAttempt' },
  ],
  succeeded: [
    { guard: 'latestFails', target: 'failed', actions: 'recordAttempt' },
    { guard: 'addsAttempt', actions: 'recordAttempt' },
  ],
  failed: [
    { guard: 'latestSucceeds', target: 'succeeded', actions: 'recordAttempt' },
    { guard: 'addsAttempt', actions: 'recordAttempt' },
  ],
} as const;

const requestIdRegion = (kind: 'work-history' | 'proof-of-payment', description: string) =>
  ({
    description,
    initial: 'none',
    states: {
      none: { on: { [kind]: { target: 'received', actions: 'recordRequestId' } } },
      received: { on: { [kind]: { guard: 'hasNewRequestId', actions: 'recordRequestId' } } },
    },
  }) as const;

/** The evidence statechart. */
export const evidenceMachine = setup({
  types: { context: {} as EvidenceContext, events: {} as OtherEvidenceEvent },
  guards: {
    isNewWatchlistUpdate: ({ context, event }) => evidenceLogic.guards.isNewWatchlistUpdate(context, event),
    addsAttempt: ({ context, event }) => evidenceLogic.guards.addsAttempt(context, event),
    latestSucceeds: ({ context, event }) => evidenceLogic.guards.latestSucceeds(context, event),
    latestFails: ({ context, event }) => evidenceLogic.guards.latestFails(context, event),
    isIneFinished: ({ context, event }) => evidenceLogic.guards.isIneFinished(context, event),
    isNewIneFinished: ({ context, event }) => evidenceLogic.guards.isNewIneFinished(context, event),
    hasNewRequestId: ({ context, event }) => evidenceLogic.guards.hasNewRequestId(context, event),
  },
  actions: {
    recordWatchlist: assign(({ context, event }) => evidenceLogic.updates.recordWatchlist(context, event)),
    recordAttempt: assign(({ context, event }) => evidenceLogic.updates.recordAttempt(context, event)),
    recordIneFinished: assign(({ context, event }) => evidenceLogic.updates.recordIneFinished(context, event)),
    recordRequestId: assign(({ context, event }) => evidenceLogic.updates.recordRequestId(context, event)),
  },
}).createMachine({
  id: 'evidence',
  type: 'parallel',
  context: { watchlist: [], faceAuthentication: [], authentication: [], ineFinished: [], requestIds: [] },
  states: {
    videoSelfie: {
      description: 'The video selfie is uploaded: its download URL can be fetched (valid 1 h).',
      initial: 'none',
      states: { none: { on: { 'video-selfie': 'uploaded' } }, uploaded: {} },
    },
    watchlist: {
      description: 'Each update of a watchlist search asks for its results to be fetched again.',
      initial: 'none',
      states: {
        none: { on: { watchlist: { target: 'updated', actions: 'recordWatchlist' } } },
        updated: { on: { watchlist: { guard: 'isNewWatchlistUpdate', actions: 'recordWatchlist' } } },
      },
    },
    faceAuthentication: {
      description: 'Face authentications: the state is the outcome of the latest attempt.',
      initial: 'none',
      states: {
        none: { on: { 'face-authentication': attemptTransitions.none } },
        succeeded: { on: { 'face-authentication': attemptTransitions.succeeded } },
        failed: { on: { 'face-authentication': attemptTransitions.failed } },
      },
    },
    workHistory: requestIdRegion('work-history', 'The Mexican work history, delivered in the body.'),
    proofOfPayment: requestIdRegion('proof-of-payment', 'The Mexican proof of payment, delivered in the body.'),
    authentication: {
      description: 'Deprecated 1:1 and 1:N login results: the outcome of the latest.',
      initial: 'none',
      states: {
        none: { on: { authentication: attemptTransitions.none } },
        succeeded: { on: { authentication: attemptTransitions.succeeded } },
        failed: { on: { authentication: attemptTransitions.failed } },
      },
    },
    ineScraping: {
      description: 'Deprecated INE scraping: after FINISHED the score can be fetched again.',
      initial: 'none',
      states: {
        none: {
          on: {
            'ine-scraping': [
              { guard: 'isIneFinished', target: 'finished', actions: 'recordIneFinished' },
              { target: 'inProgress' },
            ],
          },
        },
        inProgress: {
          on: { 'ine-scraping': { guard: 'isIneFinished', target: 'finished', actions: 'recordIneFinished' } },
        },
        finished: {
          on: { 'ine-scraping': { guard: 'isNewIneFinished', actions: 'recordIneFinished' } },
        },
      },
    },
  },
});

/** The evidence model: the machine and the logic it names. */
export const evidenceModel: Model<EvidenceContext, OtherEvidenceEvent, typeof evidenceMachine> = {
  id: 'evidence',
  machine: evidenceMachine,
  logic: evidenceLogic,
  initialContext: { watchlist: [], faceAuthentication: [], authentication: [], ineFinished: [], requestIds: [] },
};
