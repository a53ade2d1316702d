/** `validate` through the real binary: every anomaly with file and line, and the exit codes. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ANSI, cli, json } from '../support/cli.js';

interface Report {
  ok: boolean;
  errors: number;
  warnings: number;
  records: number;
  sessions: number;
  anomalies: {
    code: string;
    severity: string;
    message: string;
    session: string | null;
    settled?: boolean;
    source: { file: string; line: number };
  }[];
}

/** `file:line: severity code` of each reported line (the sentence left out). */
const heads = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .slice(0, -1)
    .map((line) => line.split(' (')[0]);

function log(lines: readonly string[]): string {
  const dir = mkdtempSync(`${tmpdir()}/os-validate-`);
  writeFileSync(`${dir}/log.jsonl`, `${lines.join('\n')}\n`);
  return `${dir}/log.jsonl`;
}

describe('validate', () => {
  it('passes a clean log with exit 0 and says so in one line', () => {
    const run = cli(['validate', 'examples/in-order.jsonl']);
    expect(run).toEqual({ status: 0, stdout: 'ok: 0 errors, 0 warnings in 8 records, 1 session\n', stderr: '' });
  });

  it('reports warnings with file and line but passes; --strict fails on them', () => {
    const run = cli(['validate', 'examples/out-of-order.jsonl']);
    expect(run.status).toBe(0);
    expect(heads(run.stdout)).toEqual([
      'examples/out-of-order.jsonl:4: warning stale-poll',
      'examples/out-of-order.jsonl:5: warning late-delivery',
      'examples/out-of-order.jsonl:6: warning late-delivery',
    ]);
    expect(run.stdout).toContain(
      '(session c7): poll sent at 2026-11-25T09:02:00.000Z reported POST_PROCESSING_FINISHED',
    );
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('ok: 0 errors, 3 warnings in 8 records, 1 session');
    const strict = cli(['validate', '--strict', 'examples/out-of-order.jsonl']);
    expect(strict.status).toBe(1);
    expect(strict.stdout.trimEnd().split('\n').at(-1)).toBe(
      'failed: 0 errors, 3 warnings in 8 records, 1 session (strict)',
    );
  });

  it('fails with exit 1 on errors, each pointing at its line with a clear sentence', () => {
    const run = cli(['validate', 'examples/invalid-payloads.jsonl']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    expect(heads(run.stdout)).toEqual([
      'examples/invalid-payloads.jsonl:2: error invalid-payload',
      'examples/invalid-payloads.jsonl:3: error unknown-status',
      'examples/invalid-payloads.jsonl:4: error invalid-payload',
      'examples/invalid-payloads.jsonl:5: error invalid-payload',
      'examples/invalid-payloads.jsonl:5: warning deprecated-webhook',
      'examples/invalid-payloads.jsonl:6: error invalid-payload',
      'examples/invalid-payloads.jsonl:7: error invalid-payload',
      'examples/invalid-payloads.jsonl:8: error unknown-kind',
      'examples/invalid-payloads.jsonl:9: error invalid-payload',
      'examples/invalid-payloads.jsonl:9: error uncorrelated',
      'examples/invalid-payloads.jsonl:10: error invalid-payload',
    ]);
    expect(run.stdout).toContain(
      'examples/invalid-payloads.jsonl:2: error invalid-payload (session x3): onboarding-status body: field "onboardingStatus" expected a string, got number 42',
    );
    expect(run.stdout).toContain('poll answered an error (401 Unauthorized: invalid x-api-key)');
    expect(run.stdout).toContain('(no session): the line is not JSON');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('failed: 10 errors, 1 warning in 10 records, 1 session');
  });

  it('reports a conflict a later poll settled, without failing', () => {
    const run = cli(['validate', 'examples/review-reversed.jsonl']);
    expect(run.status).toBe(0);
    expect(heads(run.stdout)).toEqual([
      'examples/review-reversed.jsonl:6: settled conflicting-decision',
      'examples/review-reversed.jsonl:7: settled conflicting-decision',
    ]);
    expect(run.stdout).toContain('settled since by the poll sent at 2026-11-25T14:30:00.000Z (approved)');
    expect(run.stdout).toContain('it settles the decision as approved');
  });

  it('fails on a conflict no poll settled', () => {
    const file = log([
      '{"kind":"onboarding-status","receivedAt":"2026-11-25T10:00:00.000Z","body":{"interviewId":"k1","onboardingStatus":"MANUAL_REVIEW_APPROVED"}}',
      '{"kind":"session-failed","receivedAt":"2026-11-25T10:00:05.000Z","body":{"interviewId":"k1"}}',
    ]);
    const run = cli(['validate', file]);
    expect(run.status).toBe(1);
    expect(heads(run.stdout)).toEqual([`${file}:2: error conflicting-decision`]);
  });

  it('counts lines as the file has them, blank lines included', () => {
    const file = log([
      '',
      '{"kind":"onboarding-status","receivedAt":"2026-11-25T10:00:00.000Z","body":{"interviewId":"k2","onboardingStatus":"ID_VALIDATION_FINISHED"}}',
      '',
      '',
      '{"kind":"onboarding-status","receivedAt":"2026-11-25T10:00:30.000Z","body":{"interviewId":"k2","onboardingStatus":"ID_VALIDATION_FINISHED"}}',
    ]);
    const run = cli(['validate', file]);
    expect(heads(run.stdout)).toEqual([`${file}:5: warning duplicate`]);
    expect(run.stdout).toContain('in 2 records, 1 session');
  });

  it('orders anomalies by file, then line, across several files and stdin', () => {
    const run = cli(['validate', 'examples/duplicated.jsonl', '-', 'examples/out-of-order.jsonl'], {
      input: '{"kind":"shiny-new-webhook","receivedAt":"2026-11-25T10:00:00.000Z","body":{"interviewId":"k3"}}\n',
    });
    expect(run.status).toBe(1);
    const files = heads(run.stdout).map((head) => head.split(':')[0]);
    expect(files).toEqual([
      ...Array(4).fill('examples/duplicated.jsonl'),
      '-',
      ...Array(3).fill('examples/out-of-order.jsonl'),
    ]);
  });

  it('prints a machine-readable report with --json, with the same exit code', () => {
    const run = cli(['validate', '--json', 'examples/every-kind.jsonl']);
    expect(run.status).toBe(1);
    const report = json<Report>(run);
    expect({ ...report, anomalies: report.anomalies.length }).toEqual({
      ok: false,
      errors: 5,
      warnings: 6,
      records: 28,
      sessions: 2,
      anomalies: 13,
    });
    expect(report.anomalies.filter((a) => a.session === null).map((a) => [a.code, a.source.line])).toEqual([
      ['uncorrelated', 27],
      ['invalid-payload', 28],
    ]);
    expect(report.anomalies.find((a) => a.code === 'conflicting-decision')).toMatchObject({
      session: 'a1',
      settled: true,
    });
    for (const anomaly of report.anomalies) expect(anomaly.source.file).toBe('examples/every-kind.jsonl');
    expect(json<Report>(cli(['validate', '--json', 'examples/in-order.jsonl']))).toMatchObject({ ok: true, errors: 0 });
  });

  it('colours nothing when piped', () => {
    expect(cli(['validate', 'examples/every-kind.jsonl']).stdout).not.toMatch(ANSI);
    expect(cli(['validate', 'examples/every-kind.jsonl'], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(ANSI);
  });

  it('exits 2 without a FILE, or when a FILE cannot be read, with nothing on stdout', () => {
    for (const args of [['validate'], ['validate', 'missing.jsonl']]) {
      const run = cli(args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toBe('');
    }
  });
});
