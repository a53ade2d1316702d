/**
 * The fast path: a machine compiled to lookup tables, read from the machine's own statechart
 * (`walkMachine`) and bound to the same pure guards and updates by name. A state is one integer
 * (each region's state index in a mixed radix), so a step is a few array reads and allocates
 * only when a context changes. A property test proves it agrees with XState's `transition()`.
 */
import type { AnyStateMachine } from 'xstate';
import type { Guard, Model, ModelInput, Update } from '../../machines/model.js';
import { walkMachine } from './walk.js';

/** The state of one machine as plain data: its region values and its context. */
export interface MachineState<TContext> {
  readonly value: Readonly<Record<string, string>>;
  readonly context: TContext;
}

/** Where a machine is while the core runs it: its state as an integer, and its context. */
export interface Cursor<TContext> {
  index: number;
  context: TContext;
}

interface CompiledTransition<TContext, TEvent> {
  readonly guard: Guard<TContext, TEvent> | undefined;
  readonly params: Readonly<Record<string, unknown>> | undefined;
  /** The target's index in its region; -1 for none. */
  readonly target: number;
  readonly updates: readonly Update<TContext, TEvent>[];
}

/** For one event type, one region that reads it: its place in the state integer and its moves. */
interface Concerned<TContext, TEvent> {
  readonly radix: number;
  readonly size: number;
  /** By the region's state index: the transitions to try, in document order. */
  readonly byState: readonly (readonly CompiledTransition<TContext, TEvent>[] | undefined)[];
}

/** A machine compiled to tables. */
export interface CompiledMachine<TContext, TEvent extends { type: string }> {
  readonly id: string;
  readonly machine: AnyStateMachine;
  readonly regions: readonly string[];
  /** The initial state's integer. */
  readonly initial: number;
  /** The context it starts with, for an input (the flow). */
  initialContext(input?: ModelInput): TContext;
  /** One step, in place: `false` (and the cursor untouched) when no transition is enabled. */
  step(cursor: Cursor<TContext>, event: TEvent): boolean;
  /** The state value (region → state) of a state integer; the same object for the same integer. */
  valueOf(index: number): Readonly<Record<string, string>>;
  /** The state integer of a value. */
  indexOf(value: Readonly<Record<string, string>>): number;
  /** The state a region is in. */
  regionState(index: number, region: string): string;
  /** Whether the state of a region (or, without one, of any region) carries a tag. */
  hasTag(index: number, tag: string, region?: string): boolean;
}

/** Compile a model's machine into tables bound to its pure logic. */
export function compileModel<TContext, TEvent extends { type: string }>(
  model: Model<TContext, TEvent>,
): CompiledMachine<TContext, TEvent> {
  const walked = walkMachine(model.machine);
  const refuse = (where: string, what: string): never => {
    throw new Error(`cannot compile machine state "${model.id}.${where}": ${what}`);
  };
  const regions = walked.regions.map((region) => region.key);
  const sizes = walked.regions.map((region) => region.states.length);
  const radixes: number[] = [];
  let total = 1;
  for (const size of sizes) {
    radixes.push(total);
    total *= size;
  }
  if (total > 2 ** 31) refuse('', 'too many state combinations to number');
  const stateKeys = walked.regions.map((region) => region.states.map((state) => state.key));
  const tags = walked.regions.map((region) => region.states.map((state) => new Set(state.tags)));
  let initial = 0;
  walked.regions.forEach((region, r) => {
    initial += stateKeys[r].indexOf(region.initial) * radixes[r];
  });
  const byEvent = new Map<string, Concerned<TContext, TEvent>[]>();
  walked.regions.forEach((region, r) => {
    const perEvent = new Map<string, (CompiledTransition<TContext, TEvent>[] | undefined)[]>();
    region.states.forEach((state, s) => {
      for (const transition of state.transitions) {
        const where = `${region.key}.${state.key}`;
        const guard = transition.guard === undefined ? undefined : model.logic.guards[transition.guard];
        if (transition.guard !== undefined && guard === undefined) {
          refuse(where, `guard "${transition.guard}" has no logic`);
        }
        const updates = transition.actions.map(
          (name) => model.logic.updates[name] ?? refuse(where, `action "${name}" has no logic`),
        );
        const byState = perEvent.get(transition.event) ?? new Array(region.states.length).fill(undefined);
        perEvent.set(transition.event, byState);
        const list = byState[s] ?? [];
        byState[s] = list;
        list.push({
          guard,
          params: transition.params,
          target: transition.target === undefined ? -1 : stateKeys[r].indexOf(transition.target),
          updates,
        });
      }
    });
    for (const [event, byState] of perEvent) {
      const list = byEvent.get(event) ?? [];
      list.push({ radix: radixes[r], size: sizes[r], byState });
      byEvent.set(event, list);
    }
  });
  const values = new Map<number, Readonly<Record<string, string>>>();
  const regionIndex = new Map(regions.map((key, r) => [key, r]));
  const stateOf = (index: number, r: number) => Math.floor(index / radixes[r]) % sizes[r];
  return {
    id: model.id,
    machine: model.machine,
    regions,
    initial,
    initialContext: model.initialContext,
    step(cursor, event) {
      // As XState does for parallel regions: select one transition per region with the context
      // as it was before the event, then run the selected actions in document order.
      const concerned = byEvent.get(event.type);
      if (concerned === undefined) return false;
      const before = cursor.context;
      let index = cursor.index;
      let taken = false;
      let pending: CompiledTransition<TContext, TEvent>[] | undefined;
      for (const region of concerned) {
        const s = Math.floor(cursor.index / region.radix) % region.size;
        const candidates = region.byState[s];
        if (candidates === undefined) continue;
        for (const candidate of candidates) {
          if (candidate.guard !== undefined && !candidate.guard(before, event, candidate.params)) continue;
          taken = true;
          if (candidate.target >= 0) index += (candidate.target - s) * region.radix;
          if (candidate.updates.length > 0) {
            if (pending === undefined) pending = [candidate];
            else pending.push(candidate);
          }
          break;
        }
      }
      if (!taken) return false;
      let context = before;
      if (pending !== undefined) {
        for (const transition of pending) for (const update of transition.updates) context = update(context, event);
      }
      cursor.index = index;
      cursor.context = context;
      return true;
    },
    valueOf(index) {
      let value = values.get(index);
      if (value === undefined) {
        value = Object.freeze(Object.fromEntries(regions.map((key, r) => [key, stateKeys[r][stateOf(index, r)]])));
        values.set(index, value);
      }
      return value;
    },
    indexOf(value) {
      let index = 0;
      regions.forEach((key, r) => {
        const s = stateKeys[r].indexOf(value[key]);
        if (s < 0) refuse(key, `has no state "${value[key]}"`);
        index += s * radixes[r];
      });
      return index;
    },
    regionState(index, region) {
      const r = regionIndex.get(region);
      return r === undefined ? refuse(region, 'no such region') : stateKeys[r][stateOf(index, r)];
    },
    hasTag(index, tag, region) {
      if (region !== undefined) {
        const r = regionIndex.get(region);
        return r !== undefined && tags[r][stateOf(index, r)].has(tag);
      }
      return tags.some((byState, r) => byState[stateOf(index, r)].has(tag));
    },
  };
}
