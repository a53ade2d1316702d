/**
 * The shape of the project: the pure core (`onboarding-status/core`) imports nothing from Node,
 * so a host can embed it anywhere; only the faces (service, stores, poller, CLI) do I/O.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE = new Set(builtinModules);

/** Every module reachable from `entry` by static imports, with the bare specifiers each imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const bare: string[] = [];
    graph.set(file, bare);
    for (const [, specifier] of text.matchAll(/(?:import|export)\s(?:[^'"]*?from\s+)?'([^']+)'/g)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bare.push(specifier);
    }
  };
  visit(resolve(ROOT, entry));
  return graph;
}

describe('the pure core', () => {
  const graph = importGraph('src/core.ts');

  it('reaches the machines, records, reducer, view and vendor tables', () => {
    const files = [...graph.keys()].map((file) => file.slice(ROOT.length + 1));
    for (const expected of [
      'machines/onboarding.ts',
      'src/records/parse.ts',
      'src/core/state.ts',
      'src/core/replay.ts',
      'src/core/view.ts',
      'src/vendor/statuses.ts',
    ]) {
      expect(files).toContain(expected);
    }
  });

  it('imports nothing from Node, directly or through another module', () => {
    const offending = [...graph].flatMap(([file, specifiers]) =>
      specifiers
        .filter((specifier) => specifier.startsWith('node:') || NODE.has(specifier.split('/')[0] as string))
        .map((specifier) => `${file.slice(ROOT.length + 1)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps the machines apart: they import only the vendor tables and the shared types', () => {
    const fromMachines = [...graph]
      .filter(([file]) => file.includes('/machines/'))
      .flatMap(([file]) => {
        const text = readFileSync(file, 'utf8');
        return [...text.matchAll(/from\s+'(\.[^']+)'/g)]
          .map(([, specifier]) => resolve(dirname(file), specifier).slice(ROOT.length + 1))
          .filter((target) => !/^(machines\/|src\/vendor\/|src\/types\.js$)/.test(target))
          .map((target) => `${file.slice(ROOT.length + 1)} imports ${target}`);
      });
    expect(fromMachines).toEqual([]);
  });

  it('reaches none of the faces', () => {
    const faces = [...graph.keys()].filter((file) => /\/src\/(service|store|poller|cli|simulator)\//.test(file));
    expect(faces).toEqual([]);
  });
});
