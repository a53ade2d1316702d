/**
 * The onboarding lifecycle (SPEC 1.1): the flow-dependent middle, each module tracked on its own
 * region since their order varies by flow; completion (`ONBOARDING_FINISHED`: data complete, not
 * approved); and the manual-review branch with conflicts settled by a poll (SPEC law 6).
 *
 * Every region only moves up a lattice, and the decision is a function of the evidence set
 * (`decide`), so any order of the same evidence ends in the same state (SPEC law 2).
 */

import { assign, setup } from 'xstate';
import { decide, type ReviewEvidence } from '../src/core/decision.js';
import { addsTo, keepEarliest } from '../src/core/keyed.js';
import type { Model } from '../src/core/model.js';
import type { Decision, EvidenceStatus, SessionEvent, StatusEvent } from '../src/types.js';
import { STATUS_FACTS, statusBit } from '../src/vendor/statuses.js';

/** What the onboarding machine remembers beyond its state. */
export type OnboardingContext = {
  /** The statuses received directly, as bits (`statusBit`). */
  readonly known: number;
  readonly review: ReviewEvidence;
};

/** The events the onboarding machine reads. */
export type OnboardingEvent = StatusEvent | SessionEvent;

const DECISION_OF_SESSION: Partial<Record<OnboardingEvent['type'], 'approved' | 'rejected'>> = {
  'session-succeeded': 'approved',
  'session-failed': 'rejected',
};

function decisionOf(event: OnboardingEvent): 'approved' | 'rejected' | undefined {
  const fact = STATUS_FACTS[event.type as EvidenceStatus];
  return fact?.decision ?? DECISION_OF_SESSION[event.type];
}

function recordDecision(context: OnboardingContext, event: OnboardingEvent): OnboardingContext {
  const decision = decisionOf(event);
  if (decision === undefined) {
    if (event.type !== 'session-pending-review' || context.review.pendingReview) return context;
    return { ...context, review: { ...context.review, pendingReview: true } };
  }
  const status = event.type in STATUS_FACTS ? (event.type as EvidenceStatus) : null;
  const requestedAt = 'requestedAt' in event ? event.requestedAt : undefined;
  const item =
    requestedAt === undefined ? { decision, at: event.at, status } : { decision, at: event.at, status, requestedAt };
  const decisions = keepEarliest(context.review.decisions, event.key, item);
  return decisions === context.review.decisions ? context : { ...context, review: { ...context.review, decisions } };
}

// The three `decides…` guards of one transition ask the same question of the same context and
// event: remember the last answer (a cache invisible from outside; the guards stay pure).
let last: { context: OnboardingContext; event: OnboardingEvent; decision: Decision } | undefined;
function decisionAfter(context: OnboardingContext, event: OnboardingEvent): Decision {
  if (last?.context !== context || last.event !== event) {
    last = { context, event, decision: decide(recordDecision(context, event).review) };
  }
  return last.decision;
}

const decidesTo =
  (target: Decision) =>
  (context: OnboardingContext, event: OnboardingEvent): boolean =>
    decisionAfter(context, event) === target;

/** The pure logic the onboarding machine's guards and actions call. */
export const onboardingLogic = {
  guards: {
    /** The status has not been received directly before. */
    isNewStatus: (context: OnboardingContext, event: OnboardingEvent) =>
      (context.known & statusBit(event.type as EvidenceStatus)) === 0,
    /** The event adds decision evidence (a new delivery, or an earlier copy of one). */
    addsDecisionEvidence: (context: OnboardingContext, event: OnboardingEvent) =>
      decisionOf(event) === undefined
        ? event.type === 'session-pending-review' && !context.review.pendingReview
        : addsTo(context.review.decisions, event.key, event.at),
    decidesApproved: decidesTo('approved'),
    decidesRejected: decidesTo('rejected'),
    decidesConflict: decidesTo('conflict'),
  },
  updates: {
    recordStatus: (context: OnboardingContext, event: OnboardingEvent): OnboardingContext => ({
      ...context,
      known: context.known | statusBit(event.type as EvidenceStatus),
    }),
    recordDecision,
  },
};

const MIDDLE = [
  'ID_VALIDATION_FINISHED',
  'ID_VALIDATION_FINISHED_SECOND_ID',
  'POST_PROCESSING_FINISHED',
  'FACE_VALIDATION_FINISHED',
  'GOVERNMENT_VALIDATION_FINISHED',
] as const;
const COMPLETING = ['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'] as const;
const DECIDING = ['MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED', 'session-succeeded', 'session-failed'] as const;

const on = <const E extends string, const T>(events: readonly E[], transition: T) =>
  Object.fromEntries(events.map((event) => [event, transition])) as Record<E, T>;

const DECISION_STATES = {
  approved: 'decidesApproved',
  rejected: 'decidesRejected',
  conflict: 'decidesConflict',
} as const;

/** From a decision state, each decision event moves to whichever state the evidence now supports. */
function decisionTransitions(from: keyof typeof DECISION_STATES | 'none' | 'pendingReview') {
  const moves = Object.entries(DECISION_STATES)
    .filter(([target]) => target !== from)
    .map(([target, guard]) => ({
      guard,
      target: target as keyof typeof DECISION_STATES,
      actions: 'recordDecision' as const,
    }));
  return [...moves, { guard: 'addsDecisionEvidence' as const, actions: 'recordDecision' as const }];
}

const pendingStays = {
  'session-pending-review': { guard: 'addsDecisionEvidence', actions: 'recordDecision' },
} as const;

/** The onboarding lifecycle statechart. */
export const onboardingMachine = setup({
  types: { context: {} as OnboardingContext, events: {} as OnboardingEvent },
  guards: {
    isNewStatus: ({ context, event }) => onboardingLogic.guards.isNewStatus(context, event),
    addsDecisionEvidence: ({ context, event }) => onboardingLogic.guards.addsDecisionEvidence(context, event),
    decidesApproved: ({ context, event }) => onboardingLogic.guards.decidesApproved(context, event),
    decidesRejected: ({ context, event }) => onboardingLogic.guards.decidesRejected(context, event),
    decidesConflict: ({ context, event }) => onboardingLogic.guards.decidesConflict(context, event),
  },
  actions: {
    recordStatus: assign(({ context, event }) => onboardingLogic.updates.recordStatus(context, event)),
    recordDecision: assign(({ context, event }) => onboardingLogic.updates.recordDecision(context, event)),
  },
}).createMachine({
  id: 'onboarding',
  type: 'parallel',
  context: { known: 0, review: { pendingReview: false, decisions: [] } },
  states: {
    progress: {
      description: 'Where the session stands: not started (UNKNOWN), in the middle, or finished.',
      initial: 'notStarted',
      states: {
        notStarted: {
          on: {
            ...on(MIDDLE, { target: 'inProgress', actions: 'recordStatus' }),
            ...on(COMPLETING, { target: 'finished', actions: 'recordStatus' }),
          },
        },
        inProgress: {
          on: {
            ...on(MIDDLE, { guard: 'isNewStatus', actions: 'recordStatus' }),
            ...on(COMPLETING, { target: 'finished', actions: 'recordStatus' }),
          },
        },
        finished: {
          description: 'ONBOARDING_FINISHED: all data can be fetched. Data complete, not approved.',
          on: on([...MIDDLE, ...COMPLETING], { guard: 'isNewStatus', actions: 'recordStatus' }),
        },
      },
    },
    id: {
      description: 'The (first) ID document: validated (preliminary), then post-processed (final).',
      initial: 'pending',
      states: {
        pending: {
          on: {
            ID_VALIDATION_FINISHED: 'validated',
            ID_VALIDATION_FINISHED_SECOND_ID: 'validated',
            POST_PROCESSING_FINISHED: 'postProcessed',
          },
        },
        validated: { on: { POST_PROCESSING_FINISHED: 'postProcessed' } },
        postProcessed: {},
      },
    },
    secondId: {
      description: 'The second ID of a two-ID flow.',
      initial: 'pending',
      states: { pending: { on: { ID_VALIDATION_FINISHED_SECOND_ID: 'validated' } }, validated: {} },
    },
    face: {
      description: 'The selfie capture: liveness and face scores.',
      initial: 'pending',
      states: { pending: { on: { FACE_VALIDATION_FINISHED: 'validated' } }, validated: {} },
    },
    governmentValidation: {
      description: 'Government validation (preliminary until the onboarding finishes).',
      initial: 'pending',
      states: { pending: { on: { GOVERNMENT_VALIDATION_FINISHED: 'validated' } }, validated: {} },
    },
    review: {
      description: 'The decision: manual review and session outcome; a poll settles a conflict.',
      initial: 'none',
      states: {
        none: {
          on: {
            'session-pending-review': { target: 'pendingReview', actions: 'recordDecision' },
            ...on(DECIDING, decisionTransitions('none')),
          },
        },
        pendingReview: { on: on(DECIDING, decisionTransitions('pendingReview')) },
        approved: { tags: ['terminal'], on: { ...pendingStays, ...on(DECIDING, decisionTransitions('approved')) } },
        rejected: { tags: ['terminal'], on: { ...pendingStays, ...on(DECIDING, decisionTransitions('rejected')) } },
        conflict: {
          description: 'Approval and rejection disagree: a poll must settle it.',
          tags: ['pollRequested'],
          on: { ...pendingStays, ...on(DECIDING, decisionTransitions('conflict')) },
        },
      },
    },
  },
});

/** The onboarding model: the machine and the logic it names. */
export const onboardingModel: Model<OnboardingContext, OnboardingEvent, typeof onboardingMachine> = {
  id: 'onboarding',
  machine: onboardingMachine,
  logic: onboardingLogic,
  initialContext: { known: 0, review: { pendingReview: false, decisions: [] } },
};
