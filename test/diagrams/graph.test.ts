/** The diagram graph is read from the machines' state trees: every state, every transition. */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { MODELS, machineDiagram } from '../../src/index.js';

for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
  describe(`${name} diagram graph`, () => {
    const machine = MODELS[name].machine as AnyStateMachine;
    const diagram = machineDiagram(machine);

    it('has a node for the root, each region and each state, parents first', () => {
      const expected: string[] = [name];
      for (const [region, node] of Object.entries(machine.root.states)) {
        expected.push(`${name}.${region}`);
        for (const state of Object.keys(node.states)) expected.push(`${name}.${region}.${state}`);
      }
      expect(diagram.nodes.map((node) => node.id)).toEqual(expected);
      expect(diagram.nodes[0]).toMatchObject({ type: 'parallel', parent: null });
    });

    it("marks each region's initial state, as the machine config says", () => {
      for (const [region, node] of Object.entries(machine.root.states)) {
        const initial = diagram.nodes.filter((n) => n.parent === `${name}.${region}` && n.initial).map((n) => n.key);
        expect(initial).toEqual([node.config.initial]);
      }
    });

    it('has one edge per transition target (or one self edge for a transition without target)', () => {
      let count = 0;
      for (const region of Object.values(machine.root.states)) {
        for (const state of Object.values(region.states)) {
          for (const transitions of state.transitions.values()) {
            for (const transition of transitions) count += Math.max(1, transition.target?.length ?? 0);
          }
        }
      }
      expect(diagram.edges).toHaveLength(count);
      const ids = new Set(diagram.nodes.map((node) => node.id));
      for (const edge of diagram.edges) {
        expect(ids.has(edge.source) && ids.has(edge.target)).toBe(true);
        if (edge.internal) expect(edge.target).toBe(edge.source);
      }
    });
  });
}

describe('terminal states', () => {
  it('are the states tagged terminal (our end states are not type final)', () => {
    const terminal = (Object.keys(MODELS) as (keyof typeof MODELS)[]).flatMap((name) =>
      machineDiagram(MODELS[name].machine as AnyStateMachine)
        .nodes.filter((node) => node.terminal)
        .map((node) => node.id),
    );
    expect(terminal).toEqual([
      'onboarding.review.approved',
      'onboarding.review.rejected',
      'session.lifecycle.succeeded',
      'session.lifecycle.failed',
      'session.lifecycle.contradicted',
    ]);
  });

  it('carry guards by name on the edges that have them', () => {
    const diagram = machineDiagram(MODELS.onboarding.machine as AnyStateMachine);
    expect(diagram.edges).toContainEqual(
      expect.objectContaining({
        source: 'onboarding.review.conflict',
        target: 'onboarding.review.approved',
        event: 'MANUAL_REVIEW_APPROVED',
        guard: 'decidesApproved',
        actions: ['recordDecision'],
      }),
    );
  });
});
