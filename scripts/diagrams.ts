/**
 * `npm run diagrams`: write each machine's Mermaid diagram to docs/<machine>.mmd, and the
 * onboarding machine into README.md between its marker comments. The same code as
 * `onboarding-status visualize` draws them; test/diagrams/docs.test.ts fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { type MachineName, MODELS } from '../machines/index.js';
import { machineDiagram } from '../src/diagrams/graph.js';
import { toMermaid } from '../src/diagrams/mermaid.js';

const ROOT = new URL('../', import.meta.url);
export const START = '<!-- diagram:onboarding:start (npm run diagrams writes this block) -->';
export const END = '<!-- diagram:onboarding:end -->';

/** A machine's Mermaid diagram, as `visualize MACHINE` prints it. */
export function mermaidOf(name: MachineName): string {
  return toMermaid(machineDiagram(MODELS[name].machine as AnyStateMachine));
}

/** README.md with its diagram block replaced by what the machines produce now. */
export function readmeWithDiagram(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}`);
  return `${readme.slice(0, start + START.length)}\n\`\`\`mermaid\n${mermaidOf('onboarding')}\`\`\`\n${readme.slice(end)}`;
}

/** Every file the diagrams live in, with the content it should have. */
export function diagramFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of Object.keys(MODELS) as MachineName[]) files[`docs/${name}.mmd`] = mermaidOf(name);
  files['README.md'] = readmeWithDiagram(readFileSync(new URL('README.md', ROOT), 'utf8'));
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [path, content] of Object.entries(diagramFiles())) {
    writeFileSync(new URL(path, ROOT), content);
    process.stdout.write(`wrote ${fileURLToPath(new URL(path, ROOT))}\n`);
  }
}
