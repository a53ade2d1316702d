/** DOT goes through Graphviz itself: it must parse, and its clusters must be the machine's regions. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { type DiagramOptions, MODELS, machineDiagram, toDot } from '../../src/index.js';

interface GraphvizJson {
  objects?: { name: string; nodes?: number[]; subgraphs?: number[]; peripheries?: string; label?: string }[];
}

/** Lay the DOT out with Graphviz (`dot -Tjson`): a syntax error fails here. */
function graphviz(dot: string): GraphvizJson {
  const run = spawnSync('dot', ['-Tjson'], { input: dot, encoding: 'utf8' });
  if (run.error) throw run.error;
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as GraphvizJson;
}

for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
  describe(`${name} as DOT`, () => {
    const diagram = machineDiagram(MODELS[name].machine as AnyStateMachine);
    const variants: Record<string, DiagramOptions> = {
      plain: {},
      internal: { internal: true },
      highlighted: {
        highlight: {
          reached: new Set(diagram.nodes.map((node) => node.id)),
          current: new Set(diagram.nodes.filter((node) => node.initial).map((node) => node.id)),
        },
      },
    };
    for (const [variant, options] of Object.entries(variants)) {
      it(`is accepted by Graphviz (${variant})`, () => {
        graphviz(toDot(diagram, options));
      });
    }

    it('draws the parallel root as a cluster holding one cluster per region, each with its states', () => {
      const objects = graphviz(toDot(diagram)).objects ?? [];
      const byName = new Map(objects.map((object) => [object.name, object]));
      const root = byName.get(`cluster_${name}`);
      expect(root?.label).toBe(`${name} (parallel)`);
      const regions = diagram.nodes.filter((node) => node.parent === name);
      expect(root?.subgraphs?.map((index) => objects[index].name)).toEqual(regions.map((r) => `cluster_${r.id}`));
      for (const region of regions) {
        const states = diagram.nodes.filter((node) => node.parent === region.id).map((node) => node.id);
        const inside = byName.get(`cluster_${region.id}`)?.nodes?.map((index) => objects[index].name) ?? [];
        expect(inside.filter((n) => !n.endsWith('.__initial'))).toEqual(states);
        expect(inside).toContain(`${region.id}.__initial`);
      }
    });

    it('double-borders the terminal states, and only them', () => {
      const objects = graphviz(toDot(diagram)).objects ?? [];
      const doubled = objects.filter((object) => object.peripheries === '2').map((object) => object.name);
      expect(doubled).toEqual(diagram.nodes.filter((node) => node.terminal).map((node) => node.id));
    });
  });
}
