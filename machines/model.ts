/**
 * A model is an XState machine plus the pure functions its guards and actions call. The machine
 * is the source of truth; its `setup()` wraps these functions under the same names, so the
 * compiled fast path (`src/core/compile.ts`) runs exactly the logic the machine runs.
 */
import type { AnyStateMachine } from 'xstate';

/** A guard: a pure predicate over the context, the event and the guard's params. */
export type Guard<TContext, TEvent> = (
  context: TContext,
  event: TEvent,
  params?: Readonly<Record<string, unknown>>,
) => boolean;

/** An update: a pure function from context and event to the next context. */
export type Update<TContext, TEvent> = (context: TContext, event: TEvent) => TContext;

/** The pure logic of a model, by name. */
export interface ModelLogic<TContext, TEvent> {
  readonly guards: Readonly<Record<string, Guard<TContext, TEvent>>>;
  readonly updates: Readonly<Record<string, Update<TContext, TEvent>>>;
}

/** What a machine is started with: the flow's onboarding modules, as bits (see `flowBits`). */
export interface ModelInput {
  readonly flow?: number;
}

/** A statechart and the logic its guards and actions name. */
export interface Model<TContext, TEvent, TMachine extends AnyStateMachine = AnyStateMachine> {
  readonly id: string;
  readonly machine: TMachine;
  readonly logic: ModelLogic<TContext, TEvent>;
  /** The context the machine starts with, for an input. */
  readonly initialContext: (input?: ModelInput) => TContext;
}
