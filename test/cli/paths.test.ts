/** `paths` through the real binary: JSON Lines vectors that the core itself agrees with. */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { sessionMachines } from '../../src/core/replay.js';
import { Ledger, MODELS, type PathVector, type SessionState } from '../../src/index.js';
import { flowBits } from '../../src/vendor/modules.js';
import { cli } from '../support/cli.js';

const lines = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as PathVector);

function regionStates(name: keyof typeof MODELS): string[] {
  const machine = MODELS[name].machine as AnyStateMachine;
  return Object.entries(machine.root.states).flatMap(([region, node]) =>
    Object.keys(node.states).map((state) => `${region}.${state}`),
  );
}

describe('paths', () => {
  for (const name of ['onboarding', 'session', 'evidence'] as const) {
    it(`gives ${name} vectors that reach every state, whose records give the stated view`, () => {
      const run = cli(['paths', name]);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      const vectors = lines(run.stdout);
      const reached = new Set(vectors.flatMap((v) => Object.entries(v.state).map(([r, s]) => `${r}.${s}`)));
      for (const state of regionStates(name)) expect(reached, state).toContain(state);
      // Shortest paths: one per reachable state value, each value once, and that value is what it reaches.
      for (const vector of vectors) expect(vector.reaches).toEqual(vector.state);
      expect(new Set(vectors.map((v) => JSON.stringify(v.state))).size).toBe(vectors.length);
      for (const vector of vectors) {
        expect(vector.machine).toBe(name);
        expect(vector.records).toHaveLength(vector.events.length);
        const ledger = new Ledger();
        for (const record of vector.records) ledger.add(record);
        const id = 'vector-1';
        if (vector.records.length > 0) {
          expect(sessionMachines(ledger.state(id) as SessionState, flowBits(undefined))[name].value).toEqual(
            vector.state,
          );
          const view = ledger.view(id);
          expect({
            status: view?.status,
            decision: view?.decision,
            fetchable: view?.fetchable,
            pollRequested: view?.pollRequested,
            terminal: view?.terminal,
            session: view?.session,
          }).toEqual(vector.view);
        }
      }
    });
  }

  it('starts the onboarding vectors from nothing known, and decides a conflict only on disagreeing evidence', () => {
    const vectors = lines(cli(['paths']).stdout);
    expect(vectors[0]).toMatchObject({ events: [], records: [], view: { status: 'UNKNOWN', decision: 'none' } });
    const conflict = vectors.find((v) => v.state.review === 'conflict');
    expect(conflict?.view).toMatchObject({ decision: 'conflict', pollRequested: true });
    const kinds = new Set(conflict?.events.map((e) => e.type));
    expect(kinds.size).toBeGreaterThanOrEqual(2);
  });

  it('gives simple paths per region with --simple, capped by --max', () => {
    const simple = lines(cli(['paths', 'session', '--simple']).stdout);
    // Every region state is reached, by distinct paths; what a path reaches is JSON, not a string of it.
    const reached = simple.map((v) => Object.entries(v.reaches).map(([region, state]) => `${region}.${state}`));
    expect(reached.every((entries) => entries.length === 1)).toBe(true);
    expect(new Set(reached.flat())).toEqual(new Set(regionStates('session')));
    expect(new Set(simple.map((v) => JSON.stringify([v.reaches, v.events]))).size).toBe(simple.length);
    expect(simple.length).toBeGreaterThan(regionStates('session').length);
    for (const vector of simple) expect(vector.state).toMatchObject(vector.reaches);
    const capped = cli(['paths', 'onboarding', '--simple', '--max', '5']);
    expect(lines(capped.stdout)).toHaveLength(5);
  });

  it('rejects a bad --max or machine with exit 2', () => {
    for (const args of [
      ['paths', '--max', '0'],
      ['paths', '--max', 'lots'],
      ['paths', 'payments'],
      ['paths', 'session', 'evidence'],
    ]) {
      const run = cli(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
    }
  });
});
