/**
 * Law 1: the view is a pure function of the set of delivery records: the same on every machine,
 * in every time zone, in every process, and after its state was stored and resumed.
 */
import { execFileSync } from 'node:child_process';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  applyRecord,
  initialSession,
  parseRecord,
  restoreState,
  type SessionState,
  viewSession,
} from '../../src/index.js';
import { fold } from '../support/fold.js';
import { historyArb } from '../support/histories.js';

describe('law 1: determinism', () => {
  test.prop([historyArb])('folding the same records twice gives the same views and anomalies', (history) => {
    const copy = structuredClone(history.records);
    expect(fold(copy).snapshot()).toEqual(fold(history.records).snapshot());
  });

  test.prop([historyArb, fc.nat()])(
    'a session state stored as JSON and resumed gives the same view as one never stored',
    (history, cutSeed) => {
      const records = history.records.filter((r) => parseRecord(r).sessionId === 's1');
      const cut = records.length === 0 ? 0 : cutSeed % records.length;
      const apply = (state: SessionState, record: unknown) => applyRecord(state, parseRecord(record));
      let straight = initialSession('s1');
      for (const record of records) straight = apply(straight, record);
      let resumed = initialSession('s1');
      for (const record of records.slice(0, cut)) resumed = apply(resumed, record);
      resumed = restoreState(JSON.parse(JSON.stringify(resumed)));
      for (const record of records.slice(cut)) resumed = apply(resumed, record);
      expect(viewSession(resumed)).toEqual(viewSession(straight));
    },
  );

  it('gives the same answer in processes with other time zones, for times written with offsets', () => {
    const log = [
      {
        kind: 'onboarding-status',
        receivedAt: '2026-11-25T09:59:59.999+05:45',
        body: { interviewId: 'z1', onboardingStatus: 'MANUAL_REVIEW_REJECTED' },
      },
      {
        kind: 'poll',
        interviewId: 'z1',
        requestedAt: '2026-11-25T04:15:00Z',
        receivedAt: '2026-11-25T00:45:01-03:30',
        body: { onboardingStatus: 'MANUAL_REVIEW_APPROVED' },
      },
      { kind: 'session-failed', receivedAt: '2026-11-25T01:00:00-03:00', body: { interviewId: 'z1' } },
    ];
    const script = `
      import { Ledger } from './src/index.ts';
      const ledger = new Ledger();
      for (const record of ${JSON.stringify(log)}) ledger.addRaw(record);
      process.stdout.write(JSON.stringify(ledger.snapshot()));`;
    const run = (tz: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
    const answers = ['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham'].map(run);
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]).sessions[0].decision).toBe('approved');
  });
});
