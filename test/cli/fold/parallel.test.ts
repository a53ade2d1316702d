/**
 * The parallel fold answers what one `Ledger` reading the same lines in order answers, byte for
 * byte: on any number of workers, whether lines reach the worker owning their session or another
 * (which hands them over), and whether sessions fit in memory or go to partitions on disk.
 * Shards run in this thread here (the worker threads run the very same requests: see
 * test/cli/scale.test.ts for the command line with threads).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { foldInParallel, textOf } from '../../../src/cli/fold/fold.js';
import { Ledger } from '../../../src/index.js';
import type { Anomaly } from '../../../src/types.js';
import { splitHistoryArb } from '../../support/histories.js';
import type { Rec } from '../../support/records.js';

/** A record as a line; now and then with a decoy session id ahead of its own, blank lines, CRLF. */
const lineOf = (record: Rec, decoy: boolean, crlf: boolean) =>
  `${JSON.stringify(decoy ? { note: { interviewId: 'decoy' }, ...record } : record)}${crlf ? '\r' : ''}`;

/**
 * Lines of logs: each piece of a split history one file, with odd lines among the records, and
 * some lines read twice (the very same record in two places: the first place read is kept).
 */
const logsArb = splitHistoryArb
  .chain(({ pieces }) =>
    fc.tuple(
      ...pieces.map((piece) =>
        fc
          .tuple(
            fc.array(fc.boolean(), { minLength: piece.length, maxLength: piece.length }),
            fc.array(fc.constantFrom('', '   ', 'not json', '{"kind":"poll"}', '[1,2]'), { maxLength: 3 }),
            fc.boolean(),
          )
          .map(([decoys, odd, crlf]) => [...piece.map((record, i) => lineOf(record, decoys[i], crlf)), ...odd]),
      ),
    ),
  )
  .chain((logs) =>
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()), { maxLength: 4 }).map((copies) => {
      const out = logs.map((lines) => [...lines]);
      for (const [from, line, to, at] of copies) {
        const source = out[from % out.length];
        if (source.length === 0) continue;
        const target = out[to % out.length];
        target.splice(at % (target.length + 1), 0, source[line % source.length]);
      }
      return out;
    }),
  );

/** The one-thread answer: a ledger reading every file in order, line by line. */
function reference(files: readonly string[], logs: readonly string[][]): { replay: string; findings: string[] } {
  const ledger = new Ledger();
  logs.forEach((lines, f) => {
    lines.forEach((text, i) => {
      if (text.trim() !== '')
        ledger.addLine(text.endsWith('\r') ? text.slice(0, -1) : text, { file: files[f], line: i + 1 });
    });
  });
  const snapshot = ledger.snapshot();
  const findings: (Anomaly & { session: string | null })[] = [];
  for (const view of snapshot.sessions)
    for (const anomaly of view.anomalies) findings.push({ ...anomaly, session: view.interviewId });
  for (const anomaly of snapshot.anomalies) findings.push({ ...anomaly, session: null });
  const position = (finding: Anomaly) => [files.indexOf(finding.source?.file ?? ''), finding.source?.line ?? 0];
  findings.sort((a, b) => {
    const [fa, la] = position(a);
    const [fb, lb] = position(b);
    return fa - fb || la - lb;
  });
  return { replay: JSON.stringify(snapshot), findings: findings.map((finding) => JSON.stringify(finding)) };
}

async function parallel(
  files: readonly string[],
  settings: { jobs: number; dealByTurns: boolean; budget: number },
): Promise<{ replay: string; findings: string[]; records: number }> {
  const request = { files, maxMemory: 2 ** 30, progress: false, threads: false, ...settings };
  const views = await foldInParallel(request);
  const viewTexts: string[] = [];
  for await (const entry of (await views.output({ kind: 'views' })).entries) viewTexts.push(textOf(entry));
  await views.close();
  const anomalies = await foldInParallel(request);
  const findings: string[] = [];
  for await (const entry of (await anomalies.output({ kind: 'findings' })).entries) findings.push(textOf(entry));
  await anomalies.close();
  return {
    replay: `{"sessions":[${viewTexts.join(',')}],"anomalies":${JSON.stringify(views.orphans)}}`,
    findings,
    records: views.records,
  };
}

describe('the parallel fold', () => {
  test.prop([logsArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.constantFrom(1, 600, 4000, 2 ** 30)], {
    numRuns: 60,
  })(
    'gives the output of one ledger reading the lines in order, on any number of workers, dealt any way, in memory or spilled',
    async (logs, jobs, dealByTurns, budget) => {
      const dir = mkdtempSync(join(tmpdir(), 'os-parallel-'));
      try {
        const files = logs.map((_, i) => join(dir, `log-${i}.jsonl`));
        for (const [i, lines] of logs.entries()) writeFileSync(files[i], lines.join('\n'));
        const expected = reference(files, logs);
        const got = await parallel(files, { jobs, dealByTurns, budget });
        expect(got.replay).toBe(expected.replay);
        expect(got.findings).toEqual(expected.findings);
        expect(got.records).toBe(logs.flat().filter((line) => line.trim() !== '').length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
