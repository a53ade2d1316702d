/**
 * One reading of a statechart's structure (`machine.root`, the StateNode tree XState builds):
 * regions, states, tags and transitions with their guards, params, targets and actions. The
 * compiler, the diagrams and the dashboard all read a machine through this one walk.
 *
 * The shape our machines keep, checked here: a parallel root whose regions hold atomic states
 * with `on` transitions (named guards and actions, target a sibling or none). Anything else
 * (entry/exit, always, after, invoke, nesting) is refused with an error naming the state.
 */
import type { AnyStateMachine } from 'xstate';

/** One transition of a state. */
export interface WalkedTransition {
  readonly event: string;
  readonly guard?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** The sibling state it moves to; none for a transition that only records evidence. */
  readonly target?: string;
  readonly actions: readonly string[];
}

/** One state of a region. */
export interface WalkedState {
  readonly key: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** In document order; several for one event are tried in order (the first enabled is taken). */
  readonly transitions: readonly WalkedTransition[];
}

/** One parallel region. */
export interface WalkedRegion {
  readonly key: string;
  readonly description?: string;
  readonly initial: string;
  readonly states: readonly WalkedState[];
}

/** A machine's structure. */
export interface WalkedMachine {
  readonly id: string;
  readonly regions: readonly WalkedRegion[];
}

type AnyNode = AnyStateMachine['root'];

function refuse(node: AnyNode, what: string): never {
  throw new Error(`machine state "${node.path.join('.') || node.machine.id}": ${what}`);
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

const cache = new WeakMap<AnyStateMachine, WalkedMachine>();

/** Read a machine's regions, states and transitions (refusing any shape the core cannot run). */
export function walkMachine(machine: AnyStateMachine): WalkedMachine {
  const known = cache.get(machine);
  if (known !== undefined) return known;
  const root = machine.root;
  if (root.type !== 'parallel') refuse(root, 'the root must be parallel');
  checkPlain(root);
  if (root.transitions.size > 0) refuse(root, 'transitions on the root are not supported');
  const regions = Object.entries(root.states).map(([regionKey, region]): WalkedRegion => {
    checkPlain(region);
    if (region.type !== 'compound') refuse(region, 'a region must hold states');
    if (region.transitions.size > 0) refuse(region, 'transitions on a region are not supported');
    const states = Object.entries(region.states).map(([stateKey, state]): WalkedState => {
      checkPlain(state);
      if (state.type !== 'atomic') refuse(state, 'nested or final states are not supported');
      const transitions: WalkedTransition[] = [];
      for (const [event, list] of state.transitions) {
        for (const transition of list) {
          const targets = transition.target ?? [];
          if (targets.length > 1 || targets.some((t) => t.parent !== region)) {
            refuse(state, `the transition on ${event} must target a sibling state`);
          }
          const guard = transition.guard;
          const params =
            guard && typeof guard === 'object' && 'params' in guard && guard.params && typeof guard.params === 'object'
              ? (guard.params as Record<string, unknown>)
              : undefined;
          transitions.push({
            event,
            ...(guard === undefined ? {} : { guard: nameOf(guard, state, 'a guard') }),
            ...(params === undefined ? {} : { params }),
            ...(targets[0] === undefined ? {} : { target: targets[0].key }),
            actions: transition.actions.map((action) => nameOf(action, state, 'an action')),
          });
        }
      }
      return {
        key: stateKey,
        ...(state.description === undefined ? {} : { description: state.description }),
        tags: [...state.tags],
        transitions,
      };
    });
    return {
      key: regionKey,
      ...(region.description === undefined ? {} : { description: region.description }),
      initial: String(region.config.initial),
      states,
    };
  });
  const walked = { id: machine.id, regions };
  cache.set(machine, walked);
  return walked;
}
