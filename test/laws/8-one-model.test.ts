/**
 * Law 8: the XState machines are the source of truth. The compiled tables the core runs are
 * proven equal to XState's own `transition()` on random event sequences, state by state, tag by
 * tag; the view's status, decision and fetchability are read from the machines' states alone;
 * and the ledger's in-place fold gives the very state the pure `applyRecord` gives.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { MODELS } from '../../machines/index.js';
import type { Cursor } from '../../src/core/compile.js';
import { compiledMachines, eventsOf, type Machines, replay } from '../../src/core/replay.js';
import {
  applyRecord,
  initialSession,
  Ledger,
  parseRecord,
  readMachines,
  type SessionState,
  sameRecords,
  viewSession,
} from '../../src/index.js';
import { flowBits } from '../../src/vendor/modules.js';
import { evidenceEventArb, flowBitsArb } from '../support/events.js';
import { fold } from '../support/fold.js';
import { historyArb } from '../support/histories.js';

const TAGS = [
  'final',
  'preliminary',
  'terminal',
  'pollRequested',
  'after:session-started',
  'after:session-pending-review',
];

describe('law 8: one model', () => {
  for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
    test.prop([fc.array(evidenceEventArb, { maxLength: 40 }), flowBitsArb])(
      `the compiled ${name} machine agrees with XState transition() after every event`,
      (events, flow) => {
        const machine = MODELS[name].machine as AnyStateMachine;
        const compiled = compiledMachines[name] as unknown as {
          initial: number;
          initialContext(input: { flow: number }): unknown;
          step(cursor: Cursor<unknown>, event: unknown): boolean;
          valueOf(index: number): Record<string, string>;
          hasTag(index: number, tag: string): boolean;
        };
        let [snapshot] = initialTransition(machine, { flow });
        const fast: Cursor<unknown> = { index: compiled.initial, context: compiled.initialContext({ flow }) };
        const agree = () => {
          expect(compiled.valueOf(fast.index)).toEqual(snapshot.value);
          expect(fast.context).toEqual(snapshot.context);
          for (const tag of TAGS) expect(compiled.hasTag(fast.index, tag), tag).toBe(snapshot.hasTag(tag));
        };
        agree();
        for (const event of events) {
          [snapshot] = transition(machine, snapshot, event);
          compiled.step(fast, event);
          agree();
        }
      },
    );
  }

  test.prop([
    historyArb,
    fc.option(fc.subarray(['id', 'secondId', 'face', 'governmentValidation'] as const), { nil: undefined }),
  ])(
    'status, decision and fetchability are read from the machines alone: XState run on the records says the same',
    (history, modules) => {
      const flow = modules === undefined ? undefined : { modules };
      const ledger = fold(history.records, { flow });
      for (const id of ledger.sessionIds()) {
        const state = ledger.state(id) as SessionState;
        // XState itself, fed the session's deliveries in the order received.
        const machines = Object.fromEntries(
          (Object.keys(MODELS) as (keyof typeof MODELS)[]).map((name) => {
            const machine = MODELS[name].machine as AnyStateMachine;
            let [snapshot] = initialTransition(machine, { flow: flowBits(flow) });
            for (const event of eventsOf(state)) [snapshot] = transition(machine, snapshot, event);
            return [
              name,
              {
                index: compiledMachines[name].indexOf(snapshot.value as Record<string, string>),
                context: snapshot.context,
              },
            ];
          }),
        ) as unknown as Machines;
        const view = viewSession(state, flow);
        const reading = readMachines(machines);
        expect({ ...reading, stages: undefined, evidence: undefined }).toEqual({
          status: view.status,
          decision: view.decision,
          fetchable: view.fetchable,
          pollRequested: view.pollRequested,
          terminal: view.terminal,
          session: view.session,
          stages: undefined,
          evidence: undefined,
        });
        for (const module of view.fetchable) expect(reading.stages[module]).toBe(view.modules[module]?.stage);
        // And the core's own compiled run ends where XState does.
        const compiled = replay(state, flowBits(flow), { anomalies: false }).machines;
        expect(compiled.onboarding.index).toBe(machines.onboarding.index);
        expect(compiled.evidence.index).toBe(machines.evidence.index);
        expect(compiled.session.index).toBe(machines.session.index);
      }
    },
  );

  test.prop([historyArb, fc.boolean()])(
    'a ledger that packs every session after each record (its compact form at rest) answers as one that keeps them open',
    (history, sourced) => {
      const open = new Ledger();
      const packing = new Ledger({ openSessions: 1 });
      history.records.forEach((record, line) => {
        const source = sourced ? { file: `log-${line % 3}.jsonl`, line: line + 1 } : undefined;
        open.addRaw(record, source);
        packing.addRaw(record, source);
      });
      expect(packing.snapshot()).toEqual(open.snapshot());
      for (const id of open.sessionIds()) {
        expect(sameRecords(packing.state(id) as SessionState, open.state(id) as SessionState)).toBe(true);
      }
    },
  );

  test.prop([historyArb])('the ledger’s fold in place holds the very records the pure applyRecord gives', (history) => {
    const ledger = fold(history.records);
    for (const id of ledger.sessionIds()) {
      let pure = initialSession(id);
      for (const record of history.records) {
        const parsed = parseRecord(record);
        if (parsed.sessionId === id) pure = applyRecord(pure, parsed);
      }
      expect(sameRecords(withoutTied(ledger.state(id) as SessionState), pure)).toBe(true);
    }
  });
});

/** A state without the records a correlation id tied to it (they join through the ledger). */
function withoutTied(state: SessionState): SessionState {
  const atoms: number[] = [];
  const tied = new Set<string>();
  for (let i = 0; i < state.atoms.length; i += 4) {
    const floating = ((Math.floor(state.atoms[i + 2] / 64) % 16) & 2) !== 0;
    if (floating) tied.add(`${state.atoms[i]}/${state.atoms[i + 1]}`);
    else atoms.push(...state.atoms.slice(i, i + 4));
  }
  return { ...state, atoms, notes: state.notes.filter((note) => !tied.has(`${note.at}/${note.key}`)) };
}
