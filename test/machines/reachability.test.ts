/**
 * Every state of every machine is reachable by real events, and the shortest path to each state
 * is a test case: replayed through XState and through the compiled fast path, it ends there.
 */
import { getShortestPaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { MODELS } from '../../machines/index.js';
import type { Cursor } from '../../src/core/compile.js';
import { compiledMachines } from '../../src/core/replay.js';
import { GRAPH_EVENTS } from '../../src/diagrams/events.js';

type Name = keyof typeof MODELS;

function statesOf(machine: AnyStateMachine): [string, string][] {
  return Object.entries(machine.root.states).flatMap(([region, node]) =>
    Object.keys(node.states).map((state): [string, string] => [region, state]),
  );
}

for (const name of Object.keys(MODELS) as Name[]) {
  describe(`${name} machine`, () => {
    const machine = MODELS[name].machine as AnyStateMachine;
    const paths = getShortestPaths(machine, {
      events: GRAPH_EVENTS[name] as never,
      serializeState: (snapshot) => JSON.stringify(snapshot.value),
    });

    for (const [region, state] of statesOf(machine)) {
      it(`reaches ${region}.${state} by a shortest path of real events`, () => {
        const reaching = paths
          .filter((path) => (path.state.value as Record<string, string>)[region] === state)
          .sort((a, b) => a.steps.length - b.steps.length);
        expect(reaching.length, `no path reaches ${region}.${state}`).toBeGreaterThan(0);
        const events = reaching[0].steps.map((step) => step.event).filter((event) => !event.type.startsWith('xstate.'));
        let [snapshot] = initialTransition(machine);
        const compiled = compiledMachines[name] as unknown as {
          initial: number;
          initialContext(): unknown;
          step(cursor: Cursor<unknown>, event: unknown): boolean;
          regionState(index: number, region: string): string;
        };
        const fast: Cursor<unknown> = { index: compiled.initial, context: compiled.initialContext() };
        for (const event of events) {
          [snapshot] = transition(machine, snapshot, event);
          compiled.step(fast, event);
        }
        expect((snapshot.value as Record<string, string>)[region]).toBe(state);
        expect(compiled.regionState(fast.index, region)).toBe(state);
      });
    }
  });
}
