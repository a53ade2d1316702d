/**
 * The statecharts as inline SVG, laid out here (no Graphviz at run time): one diagram per
 * machine, one column per parallel region, its states stacked in document order. Every state is
 * a `<g data-state="machine.region.state">` the page highlights with the states a session reached.
 */
import type { AnyStateMachine } from 'xstate';
import { type MachineName, MODELS } from '../../../machines/index.js';

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

type AnyNode = AnyStateMachine['root'];

/** Read a machine's regions, states and transitions from its statechart (`machine.root`). */
export function structureOf(name: MachineName): DiagramMachine {
  const root: AnyNode = MODELS[name].machine.root;
  const regions = Object.entries(root.states).map(([regionKey, region]): DiagramRegion => {
    const states = Object.entries(region.states).map(([stateKey, state]): DiagramState => {
      const to = new Map<string, string[]>();
      for (const [eventType, transitions] of state.transitions) {
        for (const transition of transitions) {
          for (const target of transition.target ?? []) {
            if (target.key === stateKey) continue;
            const events = to.get(target.key) ?? [];
            if (!events.includes(eventType)) events.push(eventType);
            to.set(target.key, events);
          }
        }
      }
      return { key: stateKey, description: state.description, tags: [...state.tags], to };
    });
    return { key: regionKey, description: region.description, initial: String(region.config.initial), states };
  });
  return { name, regions };
}

/** Every machine's structure, in the order the page shows them. */
export const DIAGRAM_MACHINES: readonly MachineName[] = ['onboarding', 'session', 'evidence'];

const COL = 156;
const BOX_W = 110;
const BOX_H = 28;
const ROW = 48;
const TOP = 54;
const PAD = 10;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A machine's diagram as an SVG element (a string of markup). */
export function diagramSvg(machine: DiagramMachine): string {
  const rows = Math.max(...machine.regions.map((region) => region.states.length));
  const width = machine.regions.length * COL + PAD * 2;
  const height = TOP + rows * ROW + PAD;
  const parts: string[] = [];
  machine.regions.forEach((region, column) => {
    const x0 = PAD + column * COL;
    const boxX = x0 + (COL - BOX_W) / 2;
    const cx = x0 + COL / 2;
    const yOf = (index: number) => TOP + index * ROW;
    const indexOf = new Map(region.states.map((state, index) => [state.key, index]));
    parts.push(
      `<g class="region" data-region="${escapeXml(`${machine.name}.${region.key}`)}">`,
      `<rect class="region-bg" x="${x0 + 4}" y="${PAD}" width="${COL - 8}" height="${height - PAD * 2}" rx="8"/>`,
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
    for (const [from, state] of region.states.entries()) {
      for (const [targetKey, events] of state.to) {
        const to = indexOf.get(targetKey);
        if (to === undefined) continue;
        const distance = Math.abs(to - from);
        let d: string;
        if (to === from + 1) {
          d = `M${cx} ${yOf(from) + BOX_H} L${cx} ${yOf(to) - 1}`;
        } else {
          // Forward jumps curve on the right, moves back on the left, wider the farther they go.
          const side = to > from ? 1 : -1;
          const x = side > 0 ? boxX + BOX_W : boxX;
          // A cubic whose control points sit 1.6 × bulge out reaches 1.2 × bulge: it stays in its column.
          const bulge = side * Math.min(6 + 3 * distance, ((COL - BOX_W) / 2 - 3) / 1.2);
          const y1 = yOf(from) + BOX_H / 2 + (side > 0 ? 4 : -4);
          const y2 = yOf(to) + BOX_H / 2 + (side > 0 ? -4 : 4);
          d = `M${x} ${y1} C${x + bulge * 1.6} ${y1}, ${x + bulge * 1.6} ${y2}, ${x + 1 * side} ${y2}`;
        }
        parts.push(
          `<path class="edge" data-edge="${escapeXml(`${machine.name}.${region.key}.${state.key}>${targetKey}`)}" d="${d}" marker-end="url(#arrow-${machine.name})">`,
          `<title>${escapeXml(`${state.key} → ${targetKey} on ${events.join(', ')}`)}</title></path>`,
        );
      }
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
