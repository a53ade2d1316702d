/**
 * The onboarding lifecycle: progress through the flow-dependent middle to completion
 * (`ONBOARDING_FINISHED`: data complete, not approved); one region per onboarding module, built
 * from the modules table, whose states say whether it may be fetched (tagged `preliminary` or
 * `final`); the scores; and the decision, with conflicts settled by a poll.
 *
 * The core feeds it a session's deliveries in the order they were received (each delivery once,
 * at its earliest copy), so every state is a function of the set of deliveries.
 */

import { assign, setup } from 'xstate';
import type { EvidenceEvent, OtherEvidenceEvent, SessionEvent, StatusEvent } from '../src/types.js';
import { KIND_FACTS, SESSION_KINDS } from '../src/vendor/kinds.js';
import { flowBits, MODULE_STATUSES, moduleBit, type ONBOARDING_MODULES } from '../src/vendor/modules.js';
import {
  COMPLETING_STATUSES,
  DECISION_STATUSES,
  type EvidenceStatus,
  MIDDLE_STATUSES,
  STATUS_FACTS,
  statusBit,
} from '../src/vendor/statuses.js';
import { type DecisionEvidence, decide, type Verdict } from './decision.js';
import type { Model, ModelInput } from './model.js';

/** What the onboarding machine remembers beyond its state. */
export type OnboardingContext = {
  /** The statuses received by webhook, as bits (`statusBit`). */
  readonly known: number;
  /** The statuses polls reported, as bits: a poll is an observation, not a copy of a webhook. */
  readonly polled: number;
  /** The decision evidence, in the order received. */
  readonly decisions: readonly DecisionEvidence[];
  /** The flow's onboarding modules, as bits (`flowBits`): completion makes only those final. */
  readonly flow: number;
};

/** The INE scraping event, which finishes the scores' preliminary stage. */
type IneEvent = Extract<OtherEvidenceEvent, { type: 'ine-scraping' }>;

/** The events the onboarding machine reads. */
export type OnboardingEvent = StatusEvent | SessionEvent | IneEvent;

const isPoll = (event: OnboardingEvent) => 'requestedAt' in event && event.requestedAt !== undefined;

/** The decision an event carries: a manual-review status, or a session outcome. */
export function decisionOf(event: EvidenceEvent): 'approved' | 'rejected' | undefined {
  return (
    STATUS_FACTS[event.type as EvidenceStatus]?.decision ??
    (event.type in KIND_FACTS ? KIND_FACTS[event.type as SessionEvent['type']].decision : undefined)
  );
}

/** The decision evidence of a context with the event's decision (if it carries one) added. */
export function withDecision(context: OnboardingContext, event: EvidenceEvent): readonly DecisionEvidence[] {
  const decision = decisionOf(event);
  if (decision === undefined) return context.decisions;
  const status = event.type in STATUS_FACTS ? (event.type as EvidenceStatus) : null;
  const item: DecisionEvidence =
    'requestedAt' in event && event.requestedAt !== undefined
      ? { decision, at: event.at, status, requestedAt: event.requestedAt }
      : { decision, at: event.at, status };
  return [...context.decisions, item];
}

// The three `decides…` guards of one transition ask the same question of the same context and
// event: remember the last answer (a cache invisible from outside; the guards stay pure).
let last: { context: OnboardingContext; event: OnboardingEvent; verdict: Verdict } | undefined;
function verdictAfter(context: OnboardingContext, event: OnboardingEvent): Verdict {
  if (last?.context !== context || last.event !== event) {
    last = { context, event, verdict: decide(withDecision(context, event)) };
  }
  return last.verdict;
}

const decidesTo = (target: Verdict) => (context: OnboardingContext, event: OnboardingEvent) =>
  verdictAfter(context, event) === target;

/** The pure logic the onboarding machine's guards and actions call. */
export const onboardingLogic = {
  guards: {
    /** The status is new to its channel (webhooks or polls). */
    addsStatus: (context: OnboardingContext, event: OnboardingEvent) =>
      ((isPoll(event) ? context.polled : context.known) & statusBit(event.type as EvidenceStatus)) === 0,
    /** The flow has the module named in the guard's params (every module without a flow). */
    inFlow: (context: OnboardingContext, _event: OnboardingEvent, params?: Readonly<Record<string, unknown>>) =>
      (context.flow & moduleBit(params?.module as (typeof ONBOARDING_MODULES)[number])) !== 0,
    isIneFinished: (_context: OnboardingContext, event: OnboardingEvent) =>
      event.type === 'ine-scraping' && event.progress === 'FINISHED',
    decidesApproved: decidesTo('approved'),
    decidesRejected: decidesTo('rejected'),
    decidesConflict: decidesTo('conflict'),
  },
  updates: {
    recordStatus: (context: OnboardingContext, event: OnboardingEvent): OnboardingContext => {
      const bit = statusBit(event.type as EvidenceStatus);
      // Written out field by field: this runs for most records, and a spread copies slowly.
      const { known, polled, decisions, flow } = context;
      return isPoll(event)
        ? { known, polled: polled | bit, decisions, flow }
        : { known: known | bit, polled, decisions, flow };
    },
    recordDecision: (context: OnboardingContext, event: OnboardingEvent): OnboardingContext => ({
      ...context,
      decisions: withDecision(context, event),
    }),
  },
};

const on = <const E extends string, const T>(events: readonly E[], transition: T) =>
  Object.fromEntries(events.map((event) => [event, transition])) as Record<E, T>;

/** The session webhooks that carry a decision (read from the kinds table). */
const DECIDING_KINDS = SESSION_KINDS.filter((kind) => KIND_FACTS[kind].decision !== undefined);
const DECIDING = [...DECISION_STATUSES, ...DECIDING_KINDS];
const PENDING_KINDS = SESSION_KINDS.filter((kind) => KIND_FACTS[kind].pendingReview === true);

const VERDICT_STATES = {
  approved: 'decidesApproved',
  rejected: 'decidesRejected',
  conflict: 'decidesConflict',
} as const;

/** From any review state, each decision event moves to whichever state the evidence now supports. */
function decisionTransitions(from: string) {
  const moves = Object.entries(VERDICT_STATES)
    .filter(([target]) => target !== from)
    .map(([target, guard]) => ({ guard, target, actions: 'recordDecision' as const }));
  return [...moves, { actions: 'recordDecision' as const }];
}

/**
 * One onboarding module's region: its own statuses move it to `preliminary` or `final`;
 * completion makes it final when the flow has it.
 */
function moduleRegion(module: (typeof ONBOARDING_MODULES)[number], description: string) {
  const { preliminary, final } = MODULE_STATUSES[module];
  const completion = { guard: { type: 'inFlow', params: { module } }, target: 'final' } as const;
  const toFinal = { ...on(final, 'final'), ...on(COMPLETING_STATUSES, completion) };
  // A module with no preliminary evidence of its own has no preliminary state.
  const early = preliminary.length === 0 ? {} : { preliminary: { tags: ['preliminary'], on: toFinal } };
  return {
    description,
    initial: 'pending',
    states: {
      pending: { on: { ...on(preliminary, 'preliminary'), ...toFinal } },
      ...(early as { preliminary: { tags: string[]; on: typeof toFinal } }),
      final: { tags: ['final'] },
    },
  } as const;
}

const recordNew = { guard: 'addsStatus', actions: 'recordStatus' } as const;

/** The onboarding lifecycle statechart. Its input is the flow (`flowBits`). */
export const onboardingMachine = setup({
  types: { context: {} as OnboardingContext, events: {} as OnboardingEvent, input: {} as ModelInput | undefined },
  guards: {
    addsStatus: ({ context, event }) => onboardingLogic.guards.addsStatus(context, event),
    inFlow: ({ context, event }, params: { module: string }) => onboardingLogic.guards.inFlow(context, event, params),
    isIneFinished: ({ context, event }) => onboardingLogic.guards.isIneFinished(context, event),
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
  context: ({ input }) => initialOnboardingContext(input),
  states: {
    progress: {
      description: 'Where the session stands: not started (UNKNOWN), in the middle, or finished.',
      initial: 'notStarted',
      states: {
        notStarted: {
          on: {
            ...on(MIDDLE_STATUSES, { target: 'inProgress', actions: 'recordStatus' }),
            ...on(COMPLETING_STATUSES, { target: 'finished', actions: 'recordStatus' }),
          },
        },
        inProgress: {
          on: {
            ...on(MIDDLE_STATUSES, recordNew),
            ...on(COMPLETING_STATUSES, { target: 'finished', actions: 'recordStatus' }),
          },
        },
        finished: {
          description: 'ONBOARDING_FINISHED: all data can be fetched. Data complete, not approved.',
          on: on([...MIDDLE_STATUSES, ...COMPLETING_STATUSES], recordNew),
        },
      },
    },
    id: moduleRegion('id', 'The (first) ID document: validated (preliminary), post-processed or completed (final).'),
    secondId: moduleRegion('secondId', 'The second ID of a two-ID flow.'),
    face: moduleRegion('face', 'The selfie capture: liveness and face scores.'),
    governmentValidation: moduleRegion(
      'governmentValidation',
      'Government validation: preliminary until the onboarding finishes.',
    ),
    scores: {
      description: 'The score: final on completion; a finished INE scraping makes it preliminary before.',
      initial: 'pending',
      states: {
        pending: {
          on: {
            'ine-scraping': { guard: 'isIneFinished', target: 'preliminary' },
            ...on(COMPLETING_STATUSES, 'final'),
          },
        },
        preliminary: { tags: ['preliminary'], on: on(COMPLETING_STATUSES, 'final') },
        final: { tags: ['final'] },
      },
    },
    review: {
      description: 'The decision: manual review and session outcome; a poll settles a conflict.',
      initial: 'none',
      states: {
        none: {
          on: { ...on(PENDING_KINDS, 'pendingReview'), ...on(DECIDING, decisionTransitions('none')) },
        },
        pendingReview: { on: on(DECIDING, decisionTransitions('pendingReview')) },
        approved: { tags: ['terminal'], on: on(DECIDING, decisionTransitions('approved')) },
        rejected: { tags: ['terminal'], on: on(DECIDING, decisionTransitions('rejected')) },
        conflict: {
          description: 'Approval and rejection disagree: a poll must settle it.',
          tags: ['pollRequested'],
          on: on(DECIDING, decisionTransitions('conflict')),
        },
      },
    },
  },
});

/** The context the onboarding machine starts with: nothing known, for a flow. */
export function initialOnboardingContext(input?: ModelInput): OnboardingContext {
  return { known: 0, polled: 0, decisions: [], flow: input?.flow ?? flowBits(undefined) };
}

/** The onboarding model: the machine and the logic it names. */
export const onboardingModel: Model<OnboardingContext, OnboardingEvent, typeof onboardingMachine> = {
  id: 'onboarding',
  machine: onboardingMachine,
  logic: onboardingLogic,
  initialContext: initialOnboardingContext,
};
