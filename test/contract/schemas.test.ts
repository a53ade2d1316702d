/**
 * The JSON Schemas shipped in schemas/ are generated from src/contract/ (npm run contracts), and
 * they hold for what the core really reads and answers, checked with a real validator (Ajv, draft
 * 2020-12): a record fits the delivery-record schema exactly when the core reads it without an
 * error about the record itself, and every view the core gives fits the session-view schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { MachineName } from '../../machines/index.js';
import { contractFiles } from '../../scripts/contracts.js';
import { ANOMALY_CODES, type sessionViewSchema } from '../../src/contract/view.js';
import { Ledger } from '../../src/core/ledger.js';
import { machinePaths } from '../../src/diagrams/paths.js';
import { SEVERITY } from '../../src/records/anomaly.js';
import type { SessionView } from '../../src/types.js';
import { cli, json, ROOT } from '../support/cli.js';
import { errorsOf, validator } from './support.js';

const ajv = validator();
const recordFits = ajv.getSchema('delivery-record.schema.json');
const viewFits = ajv.getSchema('session-view.schema.json');
const anomalyFits = ajv.compile({ $ref: 'session-view.schema.json#/$defs/Anomaly' });
if (recordFits === undefined || viewFits === undefined) throw new Error('the schemas did not load');

/** Codes the core gives a record that cannot be read as evidence: what the schema refuses. */
const RECORD_ERRORS = new Set(['invalid-payload', 'unknown-kind', 'unknown-status']);

const LOGS = [
  ...readdirSync(`${ROOT}/examples`)
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => `examples/${name}`),
  'examples/dashboard/busy-morning.jsonl',
];

describe('committed schemas', () => {
  for (const [path, expected] of Object.entries(contractFiles())) {
    it(`${path} is what src/contract/ generates (run npm run contracts if not)`, () => {
      expect(readFileSync(`${ROOT}/${path}`, 'utf8')).toBe(expected);
    });
  }

  it('name every anomaly code the core reports', () => {
    expect(ANOMALY_CODES).toEqual(expect.arrayContaining(Object.keys(SEVERITY)));
  });
});

describe('the delivery-record schema', () => {
  for (const log of LOGS) {
    it(`accepts exactly the lines of ${log} the core reads without an error about the record`, () => {
      const lines = readFileSync(`${ROOT}/${log}`, 'utf8').split('\n');
      const ledger = new Ledger();
      lines.forEach((line, i) => {
        if (line.trim() !== '') ledger.addLine(line, { file: log, line: i + 1 });
      });
      const { sessions, anomalies } = ledger.snapshot();
      const refused = new Set(
        [...sessions.flatMap((view) => view.anomalies), ...anomalies]
          .filter((anomaly) => RECORD_ERRORS.has(anomaly.code))
          .map((anomaly) => anomaly.source?.line),
      );
      // The log of invalid payloads is there to be refused: the check must see refusals.
      if (log.includes('invalid')) expect(refused.size).toBeGreaterThan(5);
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = line;
        }
        const errors = errorsOf(recordFits, value);
        if (refused.has(i + 1)) expect(errors, `${log}:${i + 1} fits, but the core refused it`).not.toEqual([]);
        else expect(errors, `${log}:${i + 1}`).toEqual([]);
      });
    });
  }

  it('refuses times the contract does not accept: no offset, no time, a date that does not exist', () => {
    const record = (receivedAt: string) => ({
      kind: 'onboarding-status',
      receivedAt,
      body: { interviewId: 'a1', onboardingStatus: 'ID_VALIDATION_FINISHED' },
    });
    expect(errorsOf(recordFits, record('2026-11-25T10:00:01.000Z'))).toEqual([]);
    expect(errorsOf(recordFits, record('2026-11-25T11:00:01+01:00'))).toEqual([]);
    for (const time of ['2026-11-25T10:00:01', '2026-11-25', '2026-02-30T10:00:00Z', 'yesterday']) {
      expect(errorsOf(recordFits, record(time)), time).not.toEqual([]);
    }
  });
});

describe('the session-view schema', () => {
  for (const machine of ['onboarding', 'session', 'evidence'] as MachineName[]) {
    it(`fits the view of every ${machine} path vector, whose records fit the record schema`, () => {
      const vectors = machinePaths(machine, { simple: true });
      expect(vectors.length).toBeGreaterThan(3);
      for (const vector of vectors) {
        const ledger = new Ledger();
        for (const record of vector.records) {
          expect(errorsOf(recordFits, record), JSON.stringify(record)).toEqual([]);
          ledger.add(record);
        }
        for (const view of ledger.snapshot().sessions) expect(errorsOf(viewFits, view)).toEqual([]);
      }
    });
  }

  for (const log of LOGS) {
    it(`fits every view and anomaly of replay --json ${log}`, () => {
      const run = cli(['replay', log, '--json']);
      const { sessions, anomalies } = json<{ sessions: SessionView[]; anomalies: unknown[] }>(run);
      expect(sessions.length).toBeGreaterThan(0);
      for (const view of sessions) expect(errorsOf(viewFits, view), view.interviewId).toEqual([]);
      for (const anomaly of anomalies) expect(errorsOf(anomalyFits, anomaly)).toEqual([]);
    });
  }

  it('refuses a view with a field it does not describe, or without one it requires', () => {
    const ledger = new Ledger();
    ledger.add({
      kind: 'onboarding-status',
      receivedAt: '2026-11-25T10:00:01.000Z',
      body: { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' },
    });
    const real = ledger.view('a1') as SessionView;
    expect(errorsOf(viewFits, real)).toEqual([]);
    expect(errorsOf(viewFits, { ...real, extra: 1 })).not.toEqual([]);
    const { decision: _, ...partial } = real;
    expect(errorsOf(viewFits, partial)).not.toEqual([]);
  });
});

describe('the SessionView type', () => {
  it("is a value of the session-view schema's type (the compiler checks it)", () => {
    // Mutability aside, which JSON does not carry: a view the core returns is a value of the schema.
    type Mutable<T> = T extends readonly (infer U)[]
      ? Mutable<U>[]
      : T extends object
        ? { -readonly [K in keyof T]: Mutable<T[K]> }
        : T;
    expectTypeOf<Mutable<SessionView>>().toExtend<z.output<typeof sessionViewSchema>>();
  });
});
