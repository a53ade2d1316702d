/** The README is the front door: its library example is the runnable `examples/embed.ts`. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('shows examples/embed.ts exactly, so the example it shows is one that runs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../examples/embed.ts', import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});

describe('examples/embed.ts', () => {
  it('runs and prints what its comments promise', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/embed.ts'], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('ONBOARDING_FINISHED');
    expect(lines[1]).toBe('none');
    expect(out).toContain("[ 'face', 'id', 'scores' ]");
    expect(out).toContain("[ 'late-delivery', 'stale-poll' ]");
  });
});
