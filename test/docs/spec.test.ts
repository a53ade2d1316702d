/**
 * docs/spec.md, the contract users read, holds what the implementation does: each anomaly
 * example (a log, and the anomaly it produces) is folded by the core and must give that anomaly;
 * every code has its section; every link into the spec, from the README, the docs, the sources
 * and the command line's help, names a section that exists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANOMALY_CODES } from '../../src/contract/view.js';
import { Ledger } from '../../src/core/ledger.js';
import type { Anomaly } from '../../src/types.js';
import { cli, ROOT } from '../support/cli.js';

const spec = readFileSync(`${ROOT}/docs/spec.md`, 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const anchors = new Set([...spec.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => slug(heading as string)));

/** Each `### code` section of the anomalies, with its (log, anomaly) examples in order. */
function anomalyExamples(): Map<string, { log: string; shown: Partial<Anomaly> }[]> {
  const part = spec.slice(spec.indexOf('\n## Anomalies'), spec.indexOf('\n## The laws'));
  const sections = new Map<string, { log: string; shown: Partial<Anomaly> }[]>();
  for (const section of part.split('\n### ').slice(1)) {
    const code = section.slice(0, section.indexOf('\n')).trim();
    const blocks = [...section.matchAll(/```(jsonl|json)\n([\s\S]*?)```/g)];
    const examples: { log: string; shown: Partial<Anomaly> }[] = [];
    for (let i = 0; i + 1 < blocks.length; i += 2) {
      const [log, shown] = [blocks[i], blocks[i + 1]] as RegExpMatchArray[];
      expect([log[1], shown[1]], `${code}: a jsonl block, then the json of its anomaly`).toEqual(['jsonl', 'json']);
      examples.push({ log: log[2] as string, shown: JSON.parse(shown[2] as string) });
    }
    sections.set(code, examples);
  }
  return sections;
}

/** Every anomaly a log gives: in its sessions' views, and of records that belong to none. */
function anomaliesOf(log: string, order: 'as written' | 'reversed' = 'as written'): Anomaly[] {
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  const ledger = new Ledger();
  for (const line of order === 'reversed' ? lines.reverse() : lines) ledger.addLine(line);
  const { sessions, anomalies } = ledger.snapshot();
  return [...sessions.flatMap((view) => view.anomalies), ...anomalies];
}

describe('docs/spec.md anomalies', () => {
  const sections = anomalyExamples();

  it('has a section with an example for every anomaly code, and none for a code that does not exist', () => {
    expect([...sections.keys()].sort()).toEqual([...ANOMALY_CODES].sort());
    for (const [code, examples] of sections) {
      expect(examples.length, code).toBeGreaterThan(0);
      for (const { shown } of examples) expect(shown.code).toBe(code);
    }
  });

  for (const [code, examples] of sections) {
    examples.forEach(({ log, shown }, i) => {
      for (const order of ['as written', 'reversed'] as const) {
        it(`${code} ${i + 1} ${order}: the log, read in this order, gives the anomaly shown`, () => {
          expect(anomaliesOf(log, order)).toContainEqual(expect.objectContaining(shown));
        });
      }
    });
  }
});

describe('docs/spec.md correlation', () => {
  it('gives a record that carries only a requestId to the session that tied it, in either order', () => {
    const log = /## Correlation[\s\S]*?```jsonl\n([\s\S]*?)```/.exec(spec)?.[1] as string;
    for (const lines of [log.trim().split('\n'), log.trim().split('\n').reverse()]) {
      const ledger = new Ledger();
      for (const line of lines) ledger.addLine(line);
      expect(ledger.sessionIds()).toEqual(['a1']);
      expect(ledger.view('a1')?.fetchable).toEqual(['proofOfPayment', 'workHistory']);
      expect(ledger.anomalies()).toEqual([]);
    }
  });
});

describe('links into docs/spec.md', () => {
  const sources = (dir: string): string[] =>
    readdirSync(`${ROOT}/${dir}`, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && /\.(ts|md)$/.test(entry.name))
      .map((entry) => `${entry.parentPath.slice(ROOT.length)}/${entry.name}`.replace(/^\/+/, ''));
  const texts: [string, string][] = [
    ['README.md', readFileSync(`${ROOT}/README.md`, 'utf8')],
    ...[...sources('docs'), ...sources('src')].map((path): [string, string] => [
      path,
      readFileSync(`${ROOT}/${path}`, 'utf8'),
    ]),
    ...['replay', 'validate', 'visualize', 'paths', 'serve', 'simulate'].map((command): [string, string] => [
      `${command} --help`,
      cli([command, '--help']).stdout,
    ]),
  ];

  it('name sections that exist', () => {
    const broken = texts.flatMap(([path, text]) =>
      [...text.matchAll(/spec\.md#([\w-]+)/g)]
        .map(([, anchor]) => anchor as string)
        .filter((anchor) => !anchors.has(anchor))
        .map((anchor) => `${path}: #${anchor}`),
    );
    expect(broken).toEqual([]);
  });

  it('replace every citation of the private specification in what users read', () => {
    // The spec itself numbers its laws; everything else says where to read them.
    const users = texts.filter(
      ([path]) => path !== 'docs/spec.md' && (!path.endsWith('.ts') || path.startsWith('src/cli/')),
    );
    const cited = users.flatMap(([path, text]) =>
      [...text.matchAll(/SPEC[ .]\d|shared\/SPEC|\blaw \d\b(?![^\n]*spec\.md)/g)].map(([match]) => `${path}: ${match}`),
    );
    expect(cited).toEqual([]);
  });
});
