/**
 * Graphviz DOT. Compound and parallel states are clusters (a parallel state's border is dashed,
 * each region inside it a cluster of its own); each compound state's initial state is pointed at
 * by a dot; final and terminal states have a double border.
 */
import { type Diagram, type DiagramNode, type DiagramOptions, groupEdges } from './graph.js';

const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Render a machine diagram as a Graphviz DOT digraph. */
export function toDot(diagram: Diagram, options: DiagramOptions = {}): string {
  const children = new Map<string | null, DiagramNode[]>();
  for (const node of diagram.nodes) {
    const list = children.get(node.parent) ?? [];
    list.push(node);
    children.set(node.parent, list);
  }
  const byId = new Map(diagram.nodes.map((node) => [node.id, node]));
  const isCluster = (node: DiagramNode) => (children.get(node.id) ?? []).length > 0;
  /** An edge into a cluster points at the cluster's initial leaf, clipped at the cluster's border. */
  const leafOf = (node: DiagramNode): DiagramNode => {
    const kids = children.get(node.id) ?? [];
    if (kids.length === 0) return node;
    return leafOf(kids.find((kid) => kid.initial) ?? kids[0]);
  };
  const { highlight } = options;
  const lines = [
    `digraph ${quote(diagram.machine)} {`,
    '  rankdir=LR;',
    '  compound=true;',
    '  fontname="Helvetica";',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  const emit = (node: DiagramNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    if (!isCluster(node)) {
      const attributes = [`label=${quote(node.key)}`];
      const styles = ['rounded'];
      if (node.terminal) attributes.push('peripheries=2');
      if (highlight?.current.has(node.id)) {
        styles.push('filled', 'bold');
        attributes.push('fillcolor="#ffd54f"');
      } else if (highlight?.reached.has(node.id)) {
        styles.push('filled');
        attributes.push('fillcolor="#fff3c4"');
      }
      attributes.push(`style=${quote(styles.join(','))}`);
      const tooltip = [node.description, node.tags.length > 0 ? `tags: ${node.tags.join(', ')}` : undefined]
        .filter((part) => part !== undefined)
        .join('\n');
      if (tooltip) attributes.push(`tooltip=${quote(tooltip)}`);
      lines.push(`${pad}${quote(node.id)} [${attributes.join(', ')}];`);
      return;
    }
    const label = node.type === 'parallel' ? `${node.key} (parallel)` : node.key;
    lines.push(`${pad}subgraph ${quote(`cluster_${node.id}`)} {`);
    lines.push(`${pad}  label=${quote(label)};`);
    lines.push(`${pad}  style=${node.type === 'parallel' ? 'dashed' : 'rounded'};`);
    if (node.description) lines.push(`${pad}  tooltip=${quote(node.description)};`);
    const kids = children.get(node.id) ?? [];
    for (const kid of kids) emit(kid, depth + 1);
    const initial = kids.find((kid) => kid.initial);
    if (node.type === 'compound' && initial) {
      const start = `${node.id}.__initial`;
      lines.push(`${pad}  ${quote(start)} [shape=point, width=0.12, label=""];`);
      const target = leafOf(initial);
      const clip = isCluster(initial) ? ` [lhead=${quote(`cluster_${initial.id}`)}]` : '';
      lines.push(`${pad}  ${quote(start)} -> ${quote(target.id)}${clip};`);
    }
    lines.push(`${pad}}`);
  };
  for (const root of children.get(null) ?? []) emit(root, 1);
  for (const group of groupEdges(diagram.edges, options)) {
    const source = byId.get(group.source);
    const target = byId.get(group.target);
    if (!source || !target) continue;
    const attributes = [`label=${quote(`${group.events.join('\n')}${group.guard ? `\n[${group.guard}]` : ''}`)}`];
    if (isCluster(source)) attributes.push(`ltail=${quote(`cluster_${source.id}`)}`);
    if (isCluster(target)) attributes.push(`lhead=${quote(`cluster_${target.id}`)}`);
    if (group.internal) attributes.push('style=dashed');
    lines.push(`  ${quote(leafOf(source).id)} -> ${quote(leafOf(target).id)} [${attributes.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
