/**
 * Law 8: the XState machines are the source of truth. The compiled tables the reducer runs are
 * proven equal to XState's own `transition()` on random event sequences, state by state.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { MODELS } from '../../machines/index.js';
import type { MachineState } from '../../src/core/compile.js';
import { compiledMachines } from '../../src/core/session.js';
import { evidenceEventArb } from '../support/events.js';

describe('law 8: one model', () => {
  for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
    test.prop([fc.array(evidenceEventArb, { maxLength: 40 })])(
      `the compiled ${name} machine agrees with XState transition() after every event`,
      (events) => {
        const machine = MODELS[name].machine as AnyStateMachine;
        const compiled = compiledMachines[name] as unknown as {
          initial: MachineState<unknown>;
          step(state: MachineState<unknown>, event: unknown): MachineState<unknown> | undefined;
        };
        let [snapshot] = initialTransition(machine);
        let fast = compiled.initial;
        expect(fast.value).toEqual(snapshot.value);
        expect(fast.context).toEqual(snapshot.context);
        for (const event of events) {
          [snapshot] = transition(machine, snapshot, event);
          fast = compiled.step(fast, event) ?? fast;
          expect(fast.value).toEqual(snapshot.value);
          expect(fast.context).toEqual(snapshot.context);
        }
      },
    );
  }
});
