/**
 * Evidence of the other webhook kinds: video selfie, watchlist updates, face authentication,
 * Mexican work history and proof of payment, and the deprecated authentication and INE scraping.
 * A region named after a module says whether it may be fetched (its states tagged `final`); the
 * attempts' regions hold the outcome of the latest attempt (a failure wins a tie: the cautious
 * reading). The core feeds deliveries in the order received, so "latest" is the last one fed.
 */
import { assign, setup } from 'xstate';
import type { Millis, OtherEvidenceEvent } from '../src/types.js';
import type { Model } from './model.js';

/** When the latest attempt of each kind was received. */
export type EvidenceContext = {
  readonly faceAuthentication: Millis;
  readonly authentication: Millis;
};

type AttemptRegion = keyof EvidenceContext;
const REGION_OF: Partial<Record<OtherEvidenceEvent['type'], AttemptRegion>> = {
  'face-authentication': 'faceAuthentication',
  authentication: 'authentication',
};

const outcomeOf = (event: OtherEvidenceEvent) => ('outcome' in event ? event.outcome : undefined);

/** The pure logic the evidence machine's guards and actions call. */
export const evidenceLogic = {
  guards: {
    succeeds: (_context: EvidenceContext, event: OtherEvidenceEvent) => outcomeOf(event) === 'succeeded',
    fails: (_context: EvidenceContext, event: OtherEvidenceEvent) => outcomeOf(event) === 'failed',
    /** A success received after the failure it would replace (a failure wins a tie). */
    succeedsLater: (context: EvidenceContext, event: OtherEvidenceEvent) => {
      const region = REGION_OF[event.type];
      return region !== undefined && outcomeOf(event) === 'succeeded' && event.at > context[region];
    },
    isIneFinished: (_context: EvidenceContext, event: OtherEvidenceEvent) =>
      event.type === 'ine-scraping' && event.progress === 'FINISHED',
  },
  updates: {
    recordAttempt: (context: EvidenceContext, event: OtherEvidenceEvent): EvidenceContext => {
      const region = REGION_OF[event.type];
      return region === undefined ? context : { ...context, [region]: event.at };
    },
  },
};

const record = { actions: 'recordAttempt' } as const;

/** An attempts region: the state is the outcome of the latest attempt. */
const attemptRegion = (kind: 'face-authentication' | 'authentication', description: string, tags: readonly string[]) =>
  ({
    description,
    initial: 'none',
    states: {
      none: {
        on: {
          [kind]: [
            { guard: 'succeeds', target: 'succeeded', ...record },
            { target: 'failed', ...record },
          ],
        },
      },
      succeeded: { tags, on: { [kind]: [{ guard: 'fails', target: 'failed', ...record }, record] } },
      failed: { tags, on: { [kind]: [{ guard: 'succeedsLater', target: 'succeeded', ...record }, record] } },
    },
  }) as const;

/** A region that only says its delivery was received (the data is in the body). */
const receivedRegion = (kind: 'work-history' | 'proof-of-payment', description: string) =>
  ({
    description,
    initial: 'none',
    states: { none: { on: { [kind]: 'received' } }, received: { tags: ['final'] } },
  }) as const;

/** The evidence statechart. */
export const evidenceMachine = setup({
  types: { context: {} as EvidenceContext, events: {} as OtherEvidenceEvent },
  guards: {
    succeeds: ({ context, event }) => evidenceLogic.guards.succeeds(context, event),
    fails: ({ context, event }) => evidenceLogic.guards.fails(context, event),
    succeedsLater: ({ context, event }) => evidenceLogic.guards.succeedsLater(context, event),
    isIneFinished: ({ context, event }) => evidenceLogic.guards.isIneFinished(context, event),
  },
  actions: {
    recordAttempt: assign(({ context, event }) => evidenceLogic.updates.recordAttempt(context, event)),
  },
}).createMachine({
  id: 'evidence',
  type: 'parallel',
  context: () => initialEvidenceContext(),
  states: {
    videoSelfie: {
      description: 'The video selfie is uploaded: its download URL can be fetched (valid 1 h).',
      initial: 'none',
      states: { none: { on: { 'video-selfie': 'uploaded' } }, uploaded: { tags: ['final'] } },
    },
    watchlist: {
      description: 'A watchlist search has results; each update asks for them to be fetched again.',
      initial: 'none',
      states: { none: { on: { watchlist: 'updated' } }, updated: { tags: ['final'] } },
    },
    faceAuthentication: attemptRegion(
      'face-authentication',
      'Face authentications: the outcome of the latest attempt.',
      ['final'],
    ),
    workHistory: receivedRegion('work-history', 'The Mexican work history, delivered in the body.'),
    proofOfPayment: receivedRegion('proof-of-payment', 'The Mexican proof of payment, delivered in the body.'),
    authentication: attemptRegion(
      'authentication',
      'Deprecated 1:1 and 1:N login results: the outcome of the latest.',
      [],
    ),
    ineScraping: {
      description: 'Deprecated INE scraping: after FINISHED the score can be fetched again.',
      initial: 'none',
      states: {
        none: {
          on: { 'ine-scraping': [{ guard: 'isIneFinished', target: 'finished' }, { target: 'inProgress' }] },
        },
        inProgress: { on: { 'ine-scraping': { guard: 'isIneFinished', target: 'finished' } } },
        finished: {},
      },
    },
  },
});

/** The context the evidence machine starts with: no attempt yet. */
export function initialEvidenceContext(): EvidenceContext {
  return { faceAuthentication: Number.NEGATIVE_INFINITY, authentication: Number.NEGATIVE_INFINITY };
}

/** The evidence model: the machine and the logic it names. */
export const evidenceModel: Model<EvidenceContext, OtherEvidenceEvent, typeof evidenceMachine> = {
  id: 'evidence',
  machine: evidenceMachine,
  logic: evidenceLogic,
  initialContext: initialEvidenceContext,
};
