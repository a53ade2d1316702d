/**
 * The fast path (SPEC law 8): a machine compiled to a lookup table, read from the machine's own
 * statechart and bound to the same pure guards and updates by name. Stepping it is a few object
 * look-ups instead of XState's general algorithm; a property test proves both agree.
 *
 * Supported shape, checked at compile time: a parallel root whose regions hold atomic states with
 * `on` transitions (guard and assign-action names, target a sibling or none). Anything else
 * (entry/exit, always, after, invoke, nesting) is refused with an error naming the state.
 */
import type { AnyStateMachine } from 'xstate';
import type { Guard, Model, Update } from './model.js';

/** The state of one machine as plain data: its region values and its context. */
export interface MachineState<TContext> {
  readonly value: Readonly<Record<string, string>>;
  readonly context: TContext;
}

interface CompiledTransition<TContext, TEvent> {
  readonly guard: Guard<TContext, TEvent> | undefined;
  readonly target: string | undefined;
  readonly updates: readonly Update<TContext, TEvent>[];
}

type Table<TContext, TEvent> = Record<string, Record<string, Record<string, CompiledTransition<TContext, TEvent>[]>>>;

/** A machine compiled to a table. */
export interface CompiledMachine<TContext, TEvent extends { type: string }> {
  readonly id: string;
  readonly regions: readonly string[];
  readonly initial: MachineState<TContext>;
  /** One step: the next state, or `undefined` when no transition is enabled (nothing changes). */
  step(state: MachineState<TContext>, event: TEvent): MachineState<TContext> | undefined;
}

type AnyNode = AnyStateMachine['root'];

function refuse(node: AnyNode, what: string): never {
  throw new Error(`cannot compile machine state "${node.path.join('.') || node.machine.id}": ${what}`);
}

function nameOf(item: unknown, node: AnyNode, what: string): string {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object' && 'type' in item && typeof item.type === 'string') return item.type;
  return refuse(node, `${what} must be referenced by name`);
}

function checkPlain(node: AnyNode): void {
  if (node.entry.length > 0 || node.exit.length > 0) refuse(node, 'entry/exit actions are not supported');
  if (node.always && node.always.length > 0) refuse(node, 'eventless transitions are not supported');
  if (node.after.length > 0) refuse(node, 'delayed transitions are not supported');
  if (node.invoke.length > 0) refuse(node, 'invoke is not supported');
}

/** Compile a model's machine into a table bound to its pure logic. */
export function compileModel<TContext, TEvent extends { type: string }>(
  model: Model<TContext, TEvent>,
): CompiledMachine<TContext, TEvent> {
  const root = model.machine.root;
  if (root.type !== 'parallel') refuse(root, 'the root must be parallel');
  checkPlain(root);
  if (root.transitions.size > 0) refuse(root, 'transitions on the root are not supported');
  const table: Table<TContext, TEvent> = {};
  const initialValue: Record<string, string> = {};
  for (const [regionKey, region] of Object.entries(root.states)) {
    checkPlain(region);
    if (region.type !== 'compound') refuse(region, 'a region must hold states');
    if (region.transitions.size > 0) refuse(region, 'transitions on a region are not supported');
    initialValue[regionKey] = region.config.initial as string;
    const byState: Record<string, Record<string, CompiledTransition<TContext, TEvent>[]>> = {};
    for (const [stateKey, state] of Object.entries(region.states)) {
      checkPlain(state);
      if (state.type !== 'atomic' && state.type !== 'final') refuse(state, 'nested states are not supported');
      const byEvent: Record<string, CompiledTransition<TContext, TEvent>[]> = {};
      for (const [eventType, transitions] of state.transitions) {
        byEvent[eventType] = transitions.map((transition) => {
          const targets = transition.target ?? [];
          if (targets.length > 1 || targets.some((t) => t.parent !== region)) {
            refuse(state, `transition on ${eventType} must target a sibling state`);
          }
          const guardName = transition.guard === undefined ? undefined : nameOf(transition.guard, state, 'a guard');
          const guard = guardName === undefined ? undefined : model.logic.guards[guardName];
          if (guardName !== undefined && guard === undefined) refuse(state, `guard "${guardName}" has no logic`);
          const updates = transition.actions.map((action) => {
            const name = nameOf(action, state, 'an action');
            const update = model.logic.updates[name];
            return update ?? refuse(state, `action "${name}" has no logic`);
          });
          return { guard, target: targets[0]?.key, updates };
        });
      }
      byState[stateKey] = byEvent;
    }
    table[regionKey] = byState;
  }
  const regions = Object.keys(table);
  // For each event type, only the regions that have a transition for it somewhere, in document
  // order: most events concern one or two regions of many.
  const byEvent = new Map<string, [string, Record<string, CompiledTransition<TContext, TEvent>[]>][]>();
  for (const region of regions) {
    const eventTypes = new Set(Object.values(table[region]).flatMap((on) => Object.keys(on)));
    for (const eventType of eventTypes) {
      const perState: Record<string, CompiledTransition<TContext, TEvent>[]> = {};
      for (const [state, on] of Object.entries(table[region])) if (on[eventType]) perState[state] = on[eventType];
      const list = byEvent.get(eventType) ?? [];
      list.push([region, perState]);
      byEvent.set(eventType, list);
    }
  }
  return {
    id: model.id,
    regions,
    initial: { value: initialValue, context: model.initialContext },
    step(state, event) {
      // As XState does for parallel regions: select one transition per region with the
      // context as it was before the event, then run the selected actions in document order.
      const concerned = byEvent.get(event.type);
      if (concerned === undefined) return undefined;
      let value = state.value;
      let context = state.context;
      let taken = false;
      // Guards all read the context as it was before the event; updates run afterwards, in order.
      let pending: CompiledTransition<TContext, TEvent>[] | undefined;
      for (const [region, perState] of concerned) {
        const candidates = perState[state.value[region]];
        if (candidates === undefined) continue;
        for (const candidate of candidates) {
          if (candidate.guard !== undefined && !candidate.guard(state.context, event)) continue;
          taken = true;
          if (candidate.target !== undefined && candidate.target !== value[region]) {
            value = { ...value, [region]: candidate.target };
          }
          if (candidate.updates.length > 0) {
            if (pending === undefined) pending = [candidate];
            else pending.push(candidate);
          }
          break;
        }
      }
      if (!taken) return undefined;
      if (pending !== undefined) {
        for (const transition of pending) for (const update of transition.updates) context = update(context, event);
      }
      return { value, context };
    },
  };
}
