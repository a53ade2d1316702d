/** The README is the front door: the code it shows is the runnable `examples/embed.ts` and `examples/mount.ts`. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
const run = (file: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8' });

describe('README', () => {
  for (const example of ['examples/embed.ts', 'examples/mount.ts']) {
    it(`shows ${example} exactly, so the code it shows is code that runs`, () => {
      expect(readme).toContain(`\`\`\`ts\n${readFileSync(`${ROOT}/${example}`, 'utf8')}\`\`\``);
    });
  }

  it('opens with what it is, then the two commands, then the tour', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map(([, heading]) => heading);
    expect(headings.slice(0, 2)).toEqual(['Two commands', 'A tour']);
    const commands = /## Two commands\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    expect(commands.split('\n').map((line) => line.split('#')[0]?.trim())).toEqual([
      'npm ci && npm start',
      'npm test',
      '',
    ]);
  });
});

describe('examples/embed.ts', () => {
  it('runs and prints what its comments promise', () => {
    const out = run('examples/embed.ts');
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('ONBOARDING_FINISHED');
    expect(lines[1]).toBe('none');
    expect(out).toContain("[ 'face', 'id', 'scores' ]");
    expect(out).toContain("[ 'stale-poll', 'late-delivery' ]");
  });
});

describe('examples/mount.ts', () => {
  it('stores a delivery through the handler and reads its view back, as its comments say', () => {
    expect(run('examples/mount.ts')).toBe("204\n[ 'face', 'governmentValidation', 'id', 'scores', 'secondId' ]\n");
  });
});
