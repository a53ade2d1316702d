/**
 * The session lifecycle of a Flow or Workflow session (the `session-*` and `identity-enrolled`
 * webhooks). The lifecycle only moves forward; `succeeded` and `failed` are terminal, and both
 * together are `contradicted` (the onboarding machine's decision holds the conflict until a poll
 * settles it). They are tagged `terminal` rather than typed `final`, because a final state could
 * not take the contradicting evidence, and the end state would depend on arrival order.
 */
import { setup } from 'xstate';
import type { Model } from '../src/core/model.js';
import type { SessionEvent } from '../src/types.js';

/** The session machine keeps no data beyond its state. */
export type SessionContext = Record<string, never>;

/** The session lifecycle statechart. */
export const sessionMachine = setup({
  types: { context: {} as SessionContext, events: {} as SessionEvent },
}).createMachine({
  id: 'session',
  type: 'parallel',
  context: {},
  states: {
    lifecycle: {
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
          on: {
            'session-pending-review': 'pendingReview',
            'session-succeeded': 'succeeded',
            'session-failed': 'failed',
          },
        },
        pendingReview: {
          on: { 'session-succeeded': 'succeeded', 'session-failed': 'failed' },
        },
        succeeded: { tags: ['terminal'], on: { 'session-failed': 'contradicted' } },
        failed: { tags: ['terminal'], on: { 'session-succeeded': 'contradicted' } },
        contradicted: {
          description: 'Both outcomes were received: the decision is a conflict until a poll.',
        },
      },
    },
    enrollment: {
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
  initialContext: {},
};
