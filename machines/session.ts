/**
 * The session lifecycle of a Flow or Workflow session (the `session-*` and `identity-enrolled`
 * webhooks). The lifecycle only moves forward; `succeeded`, `failed` and `contradicted` (both
 * outcomes received; the onboarding machine's decision holds the conflict until a poll settles
 * it) are tagged `terminal` rather than typed `final`, so they can still take contradicting
 * evidence. A state tagged `after:<kind>` lies past what that kind announces: such a delivery
 * arriving there is late.
 */
import { setup } from 'xstate';
import type { SessionEvent } from '../src/types.js';
import type { Model } from './model.js';

/** The session machine keeps no data beyond its state. */
export type SessionContext = Record<string, never>;

const PAST_START = 'after:session-started';
const PAST_REVIEW = 'after:session-pending-review';

/** The session lifecycle statechart. */
export const sessionMachine = setup({
  types: { context: {} as SessionContext, events: {} as SessionEvent },
}).createMachine({
  id: 'session',
  type: 'parallel',
  context: {},
  states: {
    lifecycle: {
      description: 'The Flow or Workflow session: started, resumed, in review, and its outcome.',
      initial: 'notStarted',
      states: {
        notStarted: {
          on: {
            'session-started': 'started',
            'session-progress': 'resumed',
            'session-pending-review': 'pendingReview',
            'session-succeeded': 'succeeded',
            'session-failed': 'failed',
          },
        },
        started: {
          on: {
            'session-progress': 'resumed',
            'session-pending-review': 'pendingReview',
            'session-succeeded': 'succeeded',
            'session-failed': 'failed',
          },
        },
        resumed: {
          description: 'An existing session link was resumed.',
          tags: [PAST_START],
          on: {
            'session-pending-review': 'pendingReview',
            'session-succeeded': 'succeeded',
            'session-failed': 'failed',
          },
        },
        pendingReview: {
          tags: [PAST_START],
          on: { 'session-succeeded': 'succeeded', 'session-failed': 'failed' },
        },
        succeeded: { tags: ['terminal', PAST_START, PAST_REVIEW], on: { 'session-failed': 'contradicted' } },
        failed: { tags: ['terminal', PAST_START, PAST_REVIEW], on: { 'session-succeeded': 'contradicted' } },
        contradicted: {
          description: 'Both outcomes were received: the decision is a conflict until a poll.',
          tags: ['terminal', PAST_START, PAST_REVIEW],
        },
      },
    },
    enrollment: {
      description: 'The identity was enrolled (face authentications can then name it).',
      initial: 'notEnrolled',
      states: {
        notEnrolled: { on: { 'identity-enrolled': 'enrolled' } },
        enrolled: {},
      },
    },
  },
});

/** The session model: the machine, with no guards or actions of its own. */
export const sessionModel: Model<SessionContext, SessionEvent, typeof sessionMachine> = {
  id: 'session',
  machine: sessionMachine,
  logic: { guards: {}, updates: {} },
  initialContext: () => ({}),
};
