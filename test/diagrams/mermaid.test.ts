/**
 * The Mermaid text is checked structurally: the grammar GitHub's renderer reads (declarations,
 * balanced composite blocks, `--` between the regions of a parallel state, one start per region,
 * transitions between declared siblings) and that it draws every transition of the machine.
 */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { type Diagram, type Highlight, MODELS, machineDiagram, toMermaid } from '../../src/index.js';

const mid = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/** Check a Mermaid state diagram against the graph it was drawn from; returns the arrows found. */
function checkMermaid(text: string, diagram: Diagram): Set<string> {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('stateDiagram-v2');
  const byMid = new Map(diagram.nodes.map((node) => [mid(node.id), node]));
  const declared = new Set<string>();
  const stack: string[] = [];
  const starts = new Map<string, number>();
  const arrows = new Set<string>();
  const separators = new Map<string, number>();
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    const declaration = /^state "([^"]+)" as ([A-Za-z0-9_]+)$/.exec(line);
    const block = /^state ([A-Za-z0-9_]+) \{$/.exec(line);
    const arrow = /^(\[\*\]|[A-Za-z0-9_]+) --> ([A-Za-z0-9_]+)(?:: (.+))?$/.exec(line);
    const parent = stack.at(-1) ?? null;
    if (declaration) {
      const [, label, id] = declaration;
      expect(declared.has(id), `${id} declared twice`).toBe(false);
      const node = byMid.get(id);
      expect(node, `${id} is no state of the machine`).toBeDefined();
      expect(label).toBe(node?.key);
      expect(node?.parent === null ? null : mid(node?.parent ?? '')).toBe(parent);
      declared.add(id);
    } else if (block) {
      expect(declared.has(block[1]), `${block[1]} opened before it was declared`).toBe(true);
      stack.push(block[1]);
    } else if (line === '}') {
      expect(stack.length).toBeGreaterThan(0);
      stack.pop();
    } else if (line === '--') {
      expect(parent && byMid.get(parent)?.type).toBe('parallel');
      separators.set(parent as string, (separators.get(parent as string) ?? 0) + 1);
    } else if (arrow) {
      const [, from, to, label] = arrow;
      expect(parent, 'a transition outside any composite').not.toBeNull();
      for (const end of [from, to]) {
        if (end === '[*]') continue;
        expect(declared.has(end), `${end} used before it was declared`).toBe(true);
        expect(mid(byMid.get(end)?.parent ?? ''), `${end} is not a child of ${parent}`).toBe(parent);
      }
      if (from === '[*]') {
        starts.set(parent as string, (starts.get(parent as string) ?? 0) + 1);
        expect(byMid.get(to)?.initial).toBe(true);
      } else {
        expect(label, `${from} --> ${to} has no label`).toBeTruthy();
        for (const event of (label ?? '').split('<br/>').filter((part) => !part.startsWith('['))) {
          arrows.add(`${from} ${to} ${event}`);
        }
      }
    } else if (/^classDef [a-z]+ [^ ]+$/.test(line) || /^class [A-Za-z0-9_,]+ [a-z]+$/.test(line)) {
      expect(stack).toEqual([]);
      if (line.startsWith('class '))
        for (const id of line.split(' ')[1].split(',')) expect(declared.has(id)).toBe(true);
    } else {
      throw new Error(`not a line of the stateDiagram-v2 grammar we emit: ${raw}`);
    }
  }
  expect(stack).toEqual([]);
  expect(declared).toEqual(new Set(byMid.keys()));
  for (const node of diagram.nodes) {
    if (node.type === 'compound') expect(starts.get(mid(node.id)), `${node.id} has no [*] start`).toBe(1);
    if (node.type === 'parallel') {
      const regions = diagram.nodes.filter((n) => n.parent === node.id).length;
      expect(separators.get(mid(node.id)) ?? 0).toBe(regions - 1);
    }
  }
  return arrows;
}

for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
  describe(`${name} as Mermaid`, () => {
    const diagram = machineDiagram(MODELS[name].machine as AnyStateMachine);

    it('is a well-formed stateDiagram-v2 drawing every transition that moves', () => {
      const arrows = checkMermaid(toMermaid(diagram), diagram);
      const expected = new Set(
        diagram.edges
          .filter((edge) => !edge.internal)
          .map((edge) => `${mid(edge.source)} ${mid(edge.target)} ${edge.event}`),
      );
      expect(arrows).toEqual(expected);
    });

    it('draws the transitions that only record evidence too with internal', () => {
      const arrows = checkMermaid(toMermaid(diagram, { internal: true }), diagram);
      expect(arrows.size).toBe(new Set(diagram.edges.map((e) => `${e.source} ${e.target} ${e.event}`)).size);
    });

    it('puts terminal states, and highlighted ones, in their classes', () => {
      const first = diagram.nodes.find((node) => node.type === 'atomic');
      const highlight: Highlight = {
        reached: new Set(diagram.nodes.filter((node) => node.initial).map((node) => node.id)),
        current: new Set([first?.id ?? '']),
      };
      const text = toMermaid(diagram, { highlight });
      checkMermaid(text, diagram);
      const members = (cls: string) =>
        text
          .split('\n')
          .find((line) => line.trim().startsWith('class ') && line.endsWith(` ${cls}`))
          ?.trim()
          .split(' ')[1]
          .split(',') ?? [];
      expect(members('terminal')).toEqual(diagram.nodes.filter((n) => n.terminal).map((n) => mid(n.id)));
      expect(members('current')).toEqual([mid(first?.id ?? '')]);
      expect(members('reached')).not.toContain(mid(first?.id ?? ''));
    });
  });
}
