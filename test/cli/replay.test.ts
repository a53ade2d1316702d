/** `replay` through the real binary: the table, the JSON of the session view, filters, stdin, errors. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Ledger, type LedgerSnapshot } from '../../src/index.js';
import { ANSI, cli, json, ROOT } from '../support/cli.js';

type Snapshot = LedgerSnapshot;

describe('replay (table)', () => {
  it('prints one row per session with status, decision, fetchable and anomaly counts', () => {
    const run = cli(['replay', 'examples/out-of-order.jsonl']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['SESSION', 'STATUS', 'DECISION', 'FETCHABLE', 'ANOMALIES']);
    expect(row.split(/\s{2,}/)).toEqual([
      'c7',
      'ONBOARDING_FINISHED',
      'none',
      'face, governmentValidation, id, scores, secondId, videoSelfie',
      '3 warnings',
    ]);
    expect(rest).toEqual([]);
  });

  it('marks preliminary data with *, counts errors, and says how many records belong to no session', () => {
    const run = cli(['replay', 'examples/invalid-payloads.jsonl']);
    expect(run.status).toBe(1); // errors remain in the input
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[1].split(/\s{2,}/)).toEqual(['x3', 'ID_VALIDATION_FINISHED', 'none', 'id*', '7 errors, 1 warning']);
    expect(lines[2]).toBe('3 records belong to no session (see replay --json, or validate)');
  });

  it('shows a conflict a poll settled as settled, not as an error', () => {
    const run = cli(['replay', 'examples/review-reversed.jsonl']);
    expect(run.stdout.split('\n')[1].split(/\s{2,}/)).toEqual([
      'r9',
      'MANUAL_REVIEW_APPROVED',
      'approved',
      'face, governmentValidation, id, scores, secondId',
      '2 settled',
    ]);
  });

  it('fits the terminal width (COLUMNS when piped), wrapping FETCHABLE at its commas', () => {
    const wide = cli(['replay', 'examples/out-of-order.jsonl']).stdout;
    expect(Math.max(...wide.split('\n').map((line) => line.length))).toBeGreaterThan(100);
    const narrow = cli(['replay', 'examples/out-of-order.jsonl'], { env: { COLUMNS: '72' } }).stdout;
    const lines = narrow.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(72);
    // The same cells, the list spread over more lines: nothing is cut.
    const column = lines[0].indexOf('FETCHABLE');
    const fetchable = lines
      .slice(1)
      .map((line) => line.slice(column).split(/\s{2,}/)[0])
      .join(' ');
    expect(fetchable).toBe('face, governmentValidation, id, scores, secondId, videoSelfie');
    expect(lines[1].startsWith('c7  ')).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
  });

  it('uses no colour when piped, colour with FORCE_COLOR, and none with NO_COLOR', () => {
    expect(cli(['replay', 'examples/every-kind.jsonl']).stdout).not.toMatch(ANSI);
    const forced = cli(['replay', 'examples/every-kind.jsonl'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ANSI);
    expect(forced.stdout).toContain('\u001b[32mapproved');
    const both = cli(['replay', 'examples/every-kind.jsonl'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(both.stdout).not.toMatch(ANSI);
    expect(both.stdout).toBe(cli(['replay', 'examples/every-kind.jsonl']).stdout);
  });
});

describe('replay --json', () => {
  it('prints exactly the core snapshot (docs/spec.md#the-session-view), records pointing at their file and line', () => {
    const file = 'examples/every-kind.jsonl';
    const run = cli(['replay', file, '--json']);
    expect(run.status).toBe(1); // records that belong to no session are errors that remain
    expect(run.stderr).toBe('');
    const ledger = new Ledger();
    readFileSync(`${ROOT}/${file}`, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.trim() !== '') ledger.addLine(line, { file, line: index + 1 });
      });
    expect(json(run)).toEqual(JSON.parse(JSON.stringify(ledger.snapshot())));
  });

  it('has sessions with interviewId, status, decision, sorted fetchable and coded anomalies, and orphans on top', () => {
    const snapshot = json<Snapshot>(cli(['replay', 'examples/every-kind.jsonl', '--json']));
    expect(Object.keys(snapshot)).toEqual(['sessions', 'anomalies']);
    expect(snapshot.sessions.map((s) => s.interviewId)).toEqual(['a1', 'b2']);
    for (const view of snapshot.sessions) {
      expect(typeof view.status).toBe('string');
      expect(typeof view.decision).toBe('string');
      expect([...view.fetchable]).toEqual([...view.fetchable].sort());
      for (const anomaly of view.anomalies) expect(typeof anomaly.code).toBe('string');
    }
    expect(snapshot.anomalies.map((a) => [a.code, a.source?.line])).toEqual([
      ['invalid-payload', 28],
      ['uncorrelated', 27],
    ]);
  });

  it('gives the same status, decision and fetchable whatever order the deliveries came in', () => {
    const pick = (file: string) =>
      json<Snapshot>(cli(['replay', file, '--json'])).sessions.map(({ interviewId, status, decision, fetchable }) => ({
        interviewId,
        status,
        decision,
        fetchable,
      }));
    expect(pick('examples/out-of-order.jsonl')).toEqual(pick('examples/in-order.jsonl'));
    const codes = (file: string) =>
      json<Snapshot>(cli(['replay', file, '--json'])).sessions[0].anomalies.map((a) => a.code);
    expect(codes('examples/in-order.jsonl')).toEqual([]);
    // Judged by when each record was received, whatever the order of the lines.
    expect(codes('examples/out-of-order.jsonl')).toEqual(['late-delivery', 'stale-poll', 'late-delivery']);
  });

  it('counts vendor retries once, but every watchlist update asks for a fetch again', () => {
    const [view] = json<Snapshot>(cli(['replay', 'examples/duplicated.jsonl', '--json'])).sessions;
    expect(view.anomalies.map((a) => a.code)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(view.records).toBe(5);
    expect(view.modules.watchlist?.refetch?.count).toBe(2);
  });

  it('settles a reversed manual review with the poll: approved, the score to fetch again', () => {
    const [view] = json<Snapshot>(cli(['replay', 'examples/review-reversed.jsonl', '--json'])).sessions;
    expect(view.status).toBe('MANUAL_REVIEW_APPROVED');
    expect(view.decision).toBe('approved');
    expect(view.terminal).toBe(true);
    // Two decisions (rejected, then approved); the poll reports one already received.
    expect(view.modules.scores?.refetch?.count).toBe(2);
  });

  it('reads stdin for -, alone or among files', () => {
    const text = readFileSync(`${ROOT}/examples/review-reversed.jsonl`, 'utf8');
    const fromFile = json<Snapshot>(cli(['replay', 'examples/review-reversed.jsonl', '--json']));
    const fromStdin = json<Snapshot>(cli(['replay', '-', '--json'], { input: text }));
    expect(fromStdin.sessions.map((s) => [s.status, s.decision, s.fetchable])).toEqual(
      fromFile.sessions.map((s) => [s.status, s.decision, s.fetchable]),
    );
    expect(fromStdin.sessions[0].anomalies[0].source?.file).toBe('-');
    const both = json<Snapshot>(cli(['replay', 'examples/in-order.jsonl', '-', '--json'], { input: text }));
    expect(both.sessions.map((s) => s.interviewId)).toEqual(['c7', 'r9']);
  });

  it('filters with --session, leaving out records of no session', () => {
    const run = cli(['replay', 'examples/every-kind.jsonl', '--json', '--session', 'b2']);
    const snapshot = json<Snapshot>(run);
    expect(snapshot.sessions.map((s) => s.interviewId)).toEqual(['b2']);
    expect(snapshot.anomalies).toEqual([]);
    const table = cli(['replay', 'examples/every-kind.jsonl', '--session', 'a1', '--session', 'b2']);
    expect(
      table.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['a1', 'b2']);
  });

  it('exits 1 when --session names a session the logs never mention', () => {
    const run = cli(['replay', 'examples/every-kind.jsonl', '--session', 'zz9']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no session zz9 in examples/every-kind.jsonl');
  });

  it('narrows what ONBOARDING_FINISHED makes fetchable with --flow', () => {
    const plain = json<Snapshot>(cli(['replay', 'examples/in-order.jsonl', '--json'])).sessions[0];
    const flow = json<Snapshot>(cli(['replay', 'examples/in-order.jsonl', '--json', '--flow', 'examples/flow.json']))
      .sessions[0];
    expect(plain.fetchable).toContain('secondId');
    expect(flow.fetchable).toEqual(['face', 'governmentValidation', 'id', 'scores', 'videoSelfie']);
    expect(flow.modules.governmentValidation?.stage).toBe('preliminary');
  });

  it('refuses a flow with an unknown module, exit 2', () => {
    const dir = mkdtempSync(`${tmpdir()}/os-flow-`);
    writeFileSync(`${dir}/flow.json`, '{"modules":["id","retina"]}');
    const run = cli(['replay', 'examples/in-order.jsonl', '--flow', `${dir}/flow.json`]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown module "retina"');
  });
});

describe('replay of a log as other tools write it', () => {
  it('reads a log beginning with a UTF-8 byte-order mark, its lines ending with CRLF, as the same log', () => {
    const dir = mkdtempSync(`${tmpdir()}/os-bom-`);
    const text = readFileSync(`${ROOT}/examples/every-kind.jsonl`, 'utf8');
    writeFileSync(`${dir}/plain.jsonl`, text);
    writeFileSync(`${dir}/windows.jsonl`, `\ufeff${text.replaceAll('\n', '\r\n')}`);
    const views = (file: string, jobs: string) =>
      cli(['replay', '--json', `${dir}/${file}`, '--jobs', jobs]).stdout.replaceAll(`${dir}/${file}`, 'LOG');
    const plain = views('plain.jsonl', '1');
    expect(JSON.parse(plain).sessions.length).toBeGreaterThan(1);
    expect(views('windows.jsonl', '1')).toBe(plain);
    expect(views('windows.jsonl', '2')).toBe(plain);
  });
});

describe('replay usage errors', () => {
  it('exits 2 without a FILE', () => {
    const run = cli(['replay']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('replay needs at least one FILE');
  });

  it('exits 2, naming the file, when a FILE cannot be read', () => {
    const run = cli(['replay', 'examples/in-order.jsonl', 'no/such/log.jsonl']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('onboarding-status replay: cannot read no/such/log.jsonl: no such file\n');
  });
});
