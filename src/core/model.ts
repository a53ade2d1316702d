/**
 * A model is an XState machine plus the pure functions its guards and actions call. The machine
 * is the source of truth (SPEC law 8); its `setup()` wraps these functions under the same names,
 * so the compiled fast path (`compile.ts`) runs exactly the logic the machine runs.
 */
import type { AnyStateMachine } from 'xstate';

/** A guard: a pure predicate over the context and the event. */
export type Guard<TContext, TEvent> = (context: TContext, event: TEvent) => boolean;

/** An update: a pure function from context and event to the next context. */
export type Update<TContext, TEvent> = (context: TContext, event: TEvent) => TContext;

/** The pure logic of a model, by name. */
export interface ModelLogic<TContext, TEvent> {
  readonly guards: Readonly<Record<string, Guard<TContext, TEvent>>>;
  readonly updates: Readonly<Record<string, Update<TContext, TEvent>>>;
}

/** A statechart and the logic its guards and actions name. */
export interface Model<TContext, TEvent, TMachine extends AnyStateMachine = AnyStateMachine> {
  readonly id: string;
  readonly machine: TMachine;
  readonly logic: ModelLogic<TContext, TEvent>;
  readonly initialContext: TContext;
}
