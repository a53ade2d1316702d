/** The load-test generator: seeded (the same seed, the same log) and read by validate end to end. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cli, json, ROOT } from '../support/cli.js';

function generate(args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-log.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

describe('scripts/generate-log.ts', () => {
  it('writes the number of records asked for, the same for the same seed, another for another', () => {
    const a = generate(['--records', '3000', '--sessions', '400', '--seed', '1']);
    expect(a.trimEnd().split('\n')).toHaveLength(3000);
    expect(generate(['--records', '3000', '--sessions', '400', '--seed', '1'])).toBe(a);
    expect(generate(['--records', '3000', '--sessions', '400', '--seed', '2'])).not.toBe(a);
  });

  it('makes a log validate reads whole: every record counted, interleaved sessions, retries and stale polls', () => {
    const dir = mkdtempSync(`${tmpdir()}/os-large-`);
    writeFileSync(`${dir}/log.jsonl`, generate(['--records', '20000', '--sessions', '3000', '--seed', '7']));
    const report = json<{ records: number; sessions: number; anomalies: { code: string }[] }>(
      cli(['validate', '--json', `${dir}/log.jsonl`]),
    );
    expect(report.records).toBe(20000);
    expect(report.sessions).toBeGreaterThan(1500);
    const codes = new Set(report.anomalies.map((a) => a.code));
    for (const code of ['duplicate', 'late-delivery', 'stale-poll']) expect(codes).toContain(code);
    // Sessions run at once: the first hundred lines already belong to many of them.
    const first = readFileSync(`${dir}/log.jsonl`, 'utf8').split('\n').slice(0, 100);
    const ids = new Set(first.map((line) => /"(?:interviewId|identityId)":"([^"]+)"/.exec(line)?.[1]));
    expect(ids.size).toBeGreaterThan(20);
  });

  it('writes only records under npm run: to a FILE, or refuses stdout where npm prints its banner', () => {
    const dir = mkdtempSync(`${tmpdir()}/os-npm-log-`);
    const npm = (args: string[]) => spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8' });
    const written = npm(['run', 'generate-log', '--', `${dir}/log.jsonl`, '--records', '300', '--sessions', '40']);
    expect(written.status, written.stderr).toBe(0);
    const lines = readFileSync(`${dir}/log.jsonl`, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    // No banner (`> onboarding-status@… generate-log`) or blank line: records only.
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    const piped = npm(['run', 'generate-log', '--', '--records', '5']);
    expect(piped.status).toBe(2);
    expect(piped.stderr).toContain('give a file (npm run generate-log -- big.jsonl) or silence npm');
    const silent = npm(['run', '-s', 'generate-log', '--', '--records', '5']);
    expect(
      silent.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.slice(0, 9)),
    ).toEqual(Array(5).fill('{"kind":"'));
  });
});
