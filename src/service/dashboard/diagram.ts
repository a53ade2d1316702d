/**
 * The statecharts as inline SVG, laid out here (no Graphviz at run time): one diagram per
 * machine, one column per parallel region, its states stacked in document order. Every state is
 * a `<g data-state="machine.region.state">` the page highlights with the states a session reached.
 */
import type { AnyStateMachine } from 'xstate';
import { type MachineName, MODELS } from '../../../machines/index.js';
import { walkMachine } from '../../core/walk.js';

/** One state of a region, and the states it moves to (with the events that move it). */
export interface DiagramState {
  readonly key: string;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  readonly to: ReadonlyMap<string, readonly string[]>;
}

/** One parallel region of a machine. */
export interface DiagramRegion {
  readonly key: string;
  readonly description: string | undefined;
  readonly initial: string;
  readonly states: readonly DiagramState[];
}

/** A machine's structure, read from its statechart. */
export interface DiagramMachine {
  readonly name: MachineName;
  readonly regions: readonly DiagramRegion[];
}

/** Read a machine's regions, states and moves from its statechart, through the core's one walk. */
export function structureOf(name: MachineName): DiagramMachine {
  const walked = walkMachine(MODELS[name].machine as AnyStateMachine);
  const regions = walked.regions.map((region): DiagramRegion => {
    const states = region.states.map((state): DiagramState => {
      const to = new Map<string, string[]>();
      for (const transition of state.transitions) {
        if (transition.target === undefined || transition.target === state.key) continue;
        const events = to.get(transition.target) ?? [];
        if (!events.includes(transition.event)) events.push(transition.event);
        to.set(transition.target, events);
      }
      return { key: state.key, description: state.description, tags: state.tags, to };
    });
    return { key: region.key, description: region.description, initial: region.initial, states };
  });
  return { name, regions };
}

/** Every machine's structure, in the order the page shows them. */
export const DIAGRAM_MACHINES: readonly MachineName[] = ['onboarding', 'session', 'evidence'];

const COL = 150;
const BOX_W = 104;
const BOX_H = 28;
const ROW = 48;
const TOP = 54;
const PAD = 6;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A machine's diagram as an SVG element (a string of markup). */
export function diagramSvg(machine: DiagramMachine): string {
  const rows = Math.max(...machine.regions.map((region) => region.states.length));
  // A region with many jumps gets a wider column, so its arcs have room beside the boxes.
  const columns = machine.regions.map((region) => {
    const index = new Map(region.states.map((state, i) => [state.key, i]));
    let right = 0;
    let left = 0;
    region.states.forEach((state, from) => {
      for (const target of state.to.keys()) {
        const to = index.get(target) ?? from;
        if (to > from + 1) right++;
        else if (to < from) left++;
      }
    });
    return Math.max(COL, BOX_W + 2 * (8 + 3 * Math.max(left, right)));
  });
  const offsets = columns.map((_, i) => PAD + columns.slice(0, i).reduce((sum, col) => sum + col, 0));
  const width = columns.reduce((sum, col) => sum + col, 0) + PAD * 2;
  const height = TOP + rows * ROW + PAD;
  const parts: string[] = [];
  machine.regions.forEach((region, column) => {
    const col = columns[column] as number;
    const x0 = offsets[column] as number;
    const boxX = x0 + (col - BOX_W) / 2;
    const cx = x0 + col / 2;
    const yOf = (index: number) => TOP + index * ROW;
    const indexOf = new Map(region.states.map((state, index) => [state.key, index]));
    parts.push(
      `<g class="region" data-region="${escapeXml(`${machine.name}.${region.key}`)}">`,
      `<rect class="region-bg" x="${x0 + 4}" y="${PAD}" width="${col - 8}" height="${height - PAD * 2}" rx="8"/>`,
      `<text class="region-title" x="${cx}" y="${PAD + 18}" text-anchor="middle">${escapeXml(region.key)}`,
      region.description === undefined ? '' : `<title>${escapeXml(region.description)}</title>`,
      '</text>',
    );
    // The initial pseudo-state: a dot and a short arrow into the region's initial state.
    const initialY = yOf(indexOf.get(region.initial) ?? 0);
    parts.push(
      `<circle class="initial" cx="${cx}" cy="${initialY - 17}" r="3.5"/>`,
      `<line class="edge" x1="${cx}" y1="${initialY - 13}" x2="${cx}" y2="${initialY - 2}" marker-end="url(#arrow-${machine.name})"/>`,
    );
    const edges = region.states.flatMap((state, from) =>
      [...state.to].flatMap(([targetKey, events]) => {
        const to = indexOf.get(targetKey);
        return to === undefined ? [] : [{ state: state.key, targetKey, events, from, to }];
      }),
    );
    type Edge = (typeof edges)[number];
    // Jumps curve beside the boxes: forward on the right, back on the left. Where several meet a
    // box side, their ends are spread along it, nested so that longer arcs go round shorter ones.
    const curved = edges.filter((edge) => edge.to !== edge.from + 1);
    const sideOf = (edge: Edge) => (edge.to > edge.from ? 1 : -1);
    const ends = new Map<string, { edge: Edge; at: 'from' | 'to'; other: number }[]>();
    for (const edge of curved) {
      for (const [at, index, other] of [
        ['from', edge.from, edge.to],
        ['to', edge.to, edge.from],
      ] as const) {
        const key = `${index}:${sideOf(edge)}`;
        const list = ends.get(key) ?? [];
        list.push({ edge, at, other });
        ends.set(key, list);
      }
    }
    const endY = new Map<string, number>();
    for (const [key, list] of ends) {
      const index = Number(key.split(':')[0]);
      const above = list.filter((end) => end.other < index).sort((a, b) => a.other - b.other);
      const below = list.filter((end) => end.other > index).sort((a, b) => b.other - a.other);
      [...above, ...below].forEach((end, k, all) => {
        endY.set(`${end.edge.from}>${end.edge.to}:${end.at}`, yOf(index) + (BOX_H * (k + 1)) / (all.length + 1));
      });
    }
    const longest = Math.max(2, ...curved.map((edge) => Math.abs(edge.to - edge.from)));
    // A cubic whose control points sit 1.6 × bulge out reaches 1.2 × bulge: it stays in its column.
    const widest = ((col - BOX_W) / 2 - 3) / 1.2;
    for (const edge of edges) {
      let d: string;
      if (edge.to === edge.from + 1) {
        d = `M${cx} ${yOf(edge.from) + BOX_H} L${cx} ${yOf(edge.to) - 1}`;
      } else {
        const side = sideOf(edge);
        const x = side > 0 ? boxX + BOX_W : boxX;
        const distance = Math.abs(edge.to - edge.from);
        const bulge = side * (6 + ((widest - 6) * (distance - 1)) / (longest - 1));
        const y1 = endY.get(`${edge.from}>${edge.to}:from`) as number;
        const y2 = endY.get(`${edge.from}>${edge.to}:to`) as number;
        d = `M${x} ${y1} C${x + bulge * 1.6} ${y1}, ${x + bulge * 1.6} ${y2}, ${x + side} ${y2}`;
      }
      parts.push(
        `<path class="edge" data-edge="${escapeXml(`${machine.name}.${region.key}.${edge.state}>${edge.targetKey}`)}" d="${d}" marker-end="url(#arrow-${machine.name})">`,
        `<title>${escapeXml(`${edge.state} → ${edge.targetKey} on ${edge.events.join(', ')}`)}</title></path>`,
      );
    }
    for (const [index, state] of region.states.entries()) {
      const ref = `${machine.name}.${region.key}.${state.key}`;
      const note = [state.description, state.tags.length > 0 ? `tags: ${state.tags.join(', ')}` : undefined]
        .filter((item) => item !== undefined)
        .join(' — ');
      parts.push(
        `<g class="st" data-state="${escapeXml(ref)}">`,
        `<rect x="${boxX}" y="${yOf(index)}" width="${BOX_W}" height="${BOX_H}" rx="6"/>`,
        `<text x="${cx}" y="${yOf(index) + BOX_H / 2 + 4}" text-anchor="middle">${escapeXml(state.key)}</text>`,
        `<title>${escapeXml(`${machine.name} · ${region.key} · ${state.key}${note === '' ? '' : ` — ${note}`}`)}</title>`,
        '</g>',
      );
    }
    parts.push('</g>');
  });
  return [
    `<svg class="diagram" data-machine="${machine.name}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="diagram-title-${machine.name}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="diagram-title-${machine.name}">The ${machine.name} statechart: ${machine.regions.length} parallel regions (${machine.regions.map((region) => region.key).join(', ')})</title>`,
    `<defs><marker id="arrow-${machine.name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" d="M0 0 L10 5 L0 10 z"/></marker></defs>`,
    ...parts,
    '</svg>',
  ].join('');
}

/** Every state of every machine, as `machine.region.state` (what the diagrams draw). */
export function allStateRefs(): string[] {
  return DIAGRAM_MACHINES.flatMap((name) =>
    structureOf(name).regions.flatMap((region) => region.states.map((state) => `${name}.${region.key}.${state.key}`)),
  );
}
