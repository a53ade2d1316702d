/** The committed diagrams are what the machines produce now (`npm run diagrams` rewrites them). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagramFiles, END, START } from '../../scripts/diagrams.js';

describe('committed diagrams', () => {
  for (const [path, expected] of Object.entries(diagramFiles())) {
    it(`${path} is up to date (run npm run diagrams if not)`, () => {
      expect(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')).toBe(expected);
    });
  }

  it('embeds the onboarding machine in the README as a mermaid block between the markers', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END));
    expect(block).toMatch(/^\n```mermaid\nstateDiagram-v2\n[\s\S]+\n```\n$/);
    expect(block).toContain(readFileSync(new URL('../../docs/onboarding.mmd', import.meta.url), 'utf8'));
  });
});
