/**
 * Mermaid `stateDiagram-v2`, the dialect GitHub renders in Markdown. Parallel states become
 * composite states whose regions are separated by `--`; state ids are the full path with `_`
 * (a key like `pending` appears in several regions); terminal states get the `terminal` class.
 */
import { type Diagram, type DiagramNode, type DiagramOptions, groupEdges } from './graph.js';

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
const text = (value: string) => value.replace(/"/g, "'");

/** Render a machine diagram as Mermaid `stateDiagram-v2` text. */
export function toMermaid(diagram: Diagram, options: DiagramOptions = {}): string {
  const children = new Map<string | null, DiagramNode[]>();
  for (const node of diagram.nodes) {
    const list = children.get(node.parent) ?? [];
    list.push(node);
    children.set(node.parent, list);
  }
  const edgesFrom = new Map<string, ReturnType<typeof groupEdges>>();
  for (const group of groupEdges(diagram.edges, options)) {
    const source = diagram.nodes.find((node) => node.id === group.source);
    const home = source?.parent ?? group.source;
    const list = edgesFrom.get(home) ?? [];
    list.push(group);
    edgesFrom.set(home, list);
  }
  const lines = ['stateDiagram-v2'];
  const emit = (node: DiagramNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const id = mermaidId(node.id);
    lines.push(`${pad}state "${text(node.key)}" as ${id}`);
    const kids = children.get(node.id) ?? [];
    if (kids.length === 0) return;
    lines.push(`${pad}state ${id} {`);
    kids.forEach((kid, index) => {
      if (node.type === 'parallel' && index > 0) lines.push(`${pad}  --`);
      emit(kid, depth + 1);
    });
    for (const kid of kids) if (kid.initial) lines.push(`${pad}  [*] --> ${mermaidId(kid.id)}`);
    for (const group of edgesFrom.get(node.id) ?? []) {
      const label = `${group.events.join('<br/>')}${group.guard ? `<br/>[${group.guard}]` : ''}`;
      lines.push(`${pad}  ${mermaidId(group.source)} --> ${mermaidId(group.target)}: ${label}`);
    }
    lines.push(`${pad}}`);
  };
  for (const root of children.get(null) ?? []) emit(root, 1);

  const classes: [string, string, (node: DiagramNode) => boolean][] = [
    ['terminal', 'stroke-width:3px,font-weight:bold', (node) => node.terminal],
  ];
  const { highlight } = options;
  if (highlight) {
    classes.push(
      [
        'reached',
        'fill:#fff3c4,stroke:#c79a00',
        (node) => highlight.reached.has(node.id) && !highlight.current.has(node.id),
      ],
      ['current', 'fill:#ffd54f,stroke:#8a6d00,stroke-width:3px', (node) => highlight.current.has(node.id)],
    );
  }
  for (const [name, style, applies] of classes) {
    const members = diagram.nodes.filter((node) => node.type === 'atomic' || node.type === 'final').filter(applies);
    if (members.length === 0) continue;
    lines.push(`  classDef ${name} ${style}`);
    lines.push(`  class ${members.map((node) => mermaidId(node.id)).join(',')} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}
