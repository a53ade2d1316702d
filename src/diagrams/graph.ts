/**
 * A statechart as a plain graph of nodes and edges, read by walking `machine.root` (the
 * StateNode tree XState builds from the machine's config). Every diagram format renders this
 * graph, so what a diagram shows is what the machine holds.
 */
import type { AnyStateMachine } from 'xstate';
import { walkMachine } from '../core/walk.js';

/** One state of a machine. */
export interface DiagramNode {
  /** The state's path, dot-separated, starting with the machine id (`onboarding.review.conflict`). */
  readonly id: string;
  /** The state's own key (`conflict`). */
  readonly key: string;
  /** The parent's id; `null` for the root. */
  readonly parent: string | null;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** It is the initial state of its (compound) parent. */
  readonly initial: boolean;
  /** Final by type, or tagged `terminal` (our end states, which can still take contradicting evidence). */
  readonly terminal: boolean;
  readonly tags: readonly string[];
  readonly description?: string;
}

/** One transition: an event, optionally guarded, from a state to a state. */
export interface DiagramEdge {
  readonly source: string;
  /** The target state's id; the source itself for a transition without a target. */
  readonly target: string;
  readonly event: string;
  readonly guard?: string;
  readonly actions: readonly string[];
  /** The transition has no target: it only records evidence, the state stays. */
  readonly internal: boolean;
}

/** A machine as nodes (in document order, parents before children) and edges. */
export interface Diagram {
  readonly machine: string;
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** Read a machine's state tree and transitions into a diagram graph (through the core's one walk). */
export function machineDiagram(machine: AnyStateMachine): Diagram {
  const walked = walkMachine(machine);
  const id = walked.id;
  const nodes: DiagramNode[] = [
    { id, key: id, parent: null, type: 'parallel', initial: false, terminal: false, tags: [] },
  ];
  const edges: DiagramEdge[] = [];
  for (const region of walked.regions) {
    const regionId = `${id}.${region.key}`;
    nodes.push({
      id: regionId,
      key: region.key,
      parent: id,
      type: 'compound',
      initial: false,
      terminal: false,
      tags: [],
      ...(region.description === undefined ? {} : { description: region.description }),
    });
    for (const state of region.states) {
      const stateId = `${regionId}.${state.key}`;
      nodes.push({
        id: stateId,
        key: state.key,
        parent: regionId,
        type: 'atomic',
        initial: state.key === region.initial,
        terminal: state.tags.includes('terminal'),
        tags: state.tags,
        ...(state.description === undefined ? {} : { description: state.description }),
      });
      for (const transition of state.transitions) {
        edges.push({
          source: stateId,
          target: transition.target === undefined ? stateId : `${regionId}.${transition.target}`,
          event: transition.event,
          ...(transition.guard === undefined ? {} : { guard: transition.guard }),
          actions: transition.actions,
          internal: transition.target === undefined,
        });
      }
    }
  }
  return { machine: id, nodes, edges };
}

/** The edges drawn between the same two states with the same guard, merged into one label each. */
export interface EdgeGroup {
  readonly source: string;
  readonly target: string;
  readonly events: readonly string[];
  readonly guard?: string;
  readonly internal: boolean;
}

/** Merge edges that share source, target and guard, so a diagram draws one arrow per move. */
export function groupEdges(edges: readonly DiagramEdge[], options: { internal?: boolean } = {}): EdgeGroup[] {
  const groups = new Map<
    string,
    { source: string; target: string; events: string[]; guard?: string; internal: boolean }
  >();
  for (const edge of edges) {
    if (edge.internal && !options.internal) continue;
    const id = JSON.stringify([edge.source, edge.target, edge.guard ?? null]);
    const group = groups.get(id);
    if (group) {
      if (!group.events.includes(edge.event)) group.events.push(edge.event);
      continue;
    }
    groups.set(id, {
      source: edge.source,
      target: edge.target,
      events: [edge.event],
      ...(edge.guard === undefined ? {} : { guard: edge.guard }),
      internal: edge.internal,
    });
  }
  return [...groups.values()];
}

/** Which states to highlight: those a recorded session reached, and where it is now. */
export interface Highlight {
  /** Node ids the session passed through (including where it is now). */
  readonly reached: ReadonlySet<string>;
  /** Node ids the session is in now. */
  readonly current: ReadonlySet<string>;
}

/** Options every diagram format takes. */
export interface DiagramOptions {
  /** Also draw transitions without a target (they record evidence; the state stays). */
  readonly internal?: boolean;
  readonly highlight?: Highlight;
}

/** The graph as JSON-ready data, with the highlight folded into the nodes. */
export function toJsonGraph(diagram: Diagram, options: DiagramOptions = {}): unknown {
  const { highlight } = options;
  return {
    machine: diagram.machine,
    nodes: diagram.nodes.map((node) =>
      highlight ? { ...node, reached: highlight.reached.has(node.id), current: highlight.current.has(node.id) } : node,
    ),
    edges: diagram.edges,
  };
}
