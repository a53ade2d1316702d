/**
 * The README's command line examples are real: each `$ npx onboarding-status …` block shows what
 * the binary prints, and every log in examples/ is shown in the README and replayed by a test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from '../support/cli.js';

const readme = readFileSync(`${ROOT}/README.md`, 'utf8');

describe('README command line examples', () => {
  const shown = [...readme.matchAll(/```sh\n\$ npx onboarding-status ([^\n]+)\n([\s\S]*?)```/g)];

  it('has examples with their output', () => {
    expect(shown.length).toBeGreaterThanOrEqual(2);
  });

  for (const [, command, output] of shown) {
    it(`onboarding-status ${command} prints what the README shows`, () => {
      const run = cli(command.split(' '));
      expect(run.stdout).toBe(output);
    });
  }
});

describe('examples/', () => {
  const logs = readdirSync(`${ROOT}/examples`).filter((file) => file.endsWith('.jsonl'));
  const tests = readdirSync(`${ROOT}/test/cli`)
    .filter((file) => file.endsWith('.test.ts') && file !== 'examples.test.ts')
    .map((file) => readFileSync(`${ROOT}/test/cli/${file}`, 'utf8'))
    .join('\n');

  for (const log of logs) {
    it(`${log} is shown in the README and replayed in a test`, () => {
      expect(readme).toContain(`examples/${log}`);
      expect(tests).toContain(`examples/${log}`);
    });
  }
});
