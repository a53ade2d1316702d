/** The load-test generator: seeded (the same seed, the same log) and read by validate end to end. */
import { execFileSync } from 'node:child_process';
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
});
