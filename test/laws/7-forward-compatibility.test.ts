/**
 * Law 7: an unknown status or kind, a malformed body, or a missing field never throws out of the
 * core: it is kept and reported as an anomaly with a clear message, and nothing is lost.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Ledger, WEBHOOK_KINDS } from '../../src/index.js';
import { historyArb } from '../support/histories.js';

const kindArb = fc.oneof(fc.constantFrom(...WEBHOOK_KINDS, 'poll'), fc.string());
const bodyArb = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom(
      'interviewId',
      'InterviewId',
      'onboardingStatus',
      'ref',
      'requestId',
      'identityId',
      'success',
      'overallStatus',
      'ScrapingStatus',
      'workHistory',
    ),
    fc.jsonValue(),
  ),
);
const recordArb = fc.oneof(
  fc.anything(),
  fc.record(
    {
      kind: kindArb,
      receivedAt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      body: bodyArb,
      interviewId: fc.string(),
      requestedAt: fc.string(),
    },
    { requiredKeys: [] },
  ),
);

describe('law 7: forward compatibility', () => {
  test.prop([fc.array(recordArb, { maxLength: 30 })])('no value whatever makes the core throw', (records) => {
    const ledger = new Ledger();
    for (const record of records) expect(() => ledger.add(record)).not.toThrow();
    expect(() => ledger.snapshot()).not.toThrow();
  });

  test.prop([fc.array(fc.string(), { maxLength: 20 })])('no line whatever makes the core throw', (lines) => {
    const ledger = new Ledger();
    for (const line of lines) expect(() => ledger.addLine(line)).not.toThrow();
  });

  test.prop([historyArb, fc.array(recordArb, { minLength: 1, maxLength: 10 })])(
    'every record is accounted for: applied to a session, waiting for one, or reported with a message',
    (history, junk) => {
      const ledger = new Ledger();
      for (const record of [...history.records, ...junk]) {
        const routed = ledger.add(record);
        if (routed.to === 'none') {
          expect(routed.anomaly.message.length).toBeGreaterThan(20);
          expect(ledger.anomalies()).toContainEqual(routed.anomaly);
        } else if (routed.to === 'session') {
          expect(ledger.state(routed.interviewId)).toBeDefined();
        }
      }
      for (const a of [...ledger.anomalies(), ...ledger.snapshot().sessions.flatMap((s) => s.anomalies)]) {
        expect(a.message).toMatch(/\w+ \w+ \w+/);
        expect(['error', 'warning']).toContain(a.severity);
      }
    },
  );

  test.prop([historyArb])('junk mixed into a history changes no valid session that it does not name', (history) => {
    const junk = [{ kind: 'nope', receivedAt: 'never', body: 3 }, 'text', null, { kind: 'poll' }];
    const clean = new Ledger();
    const noisy = new Ledger();
    for (const record of history.records) clean.add(record);
    for (const record of [...junk, ...history.records]) noisy.add(record);
    expect(noisy.snapshot().sessions).toEqual(clean.snapshot().sessions);
    expect(noisy.anomalies().length).toBe(clean.anomalies().length + junk.length);
  });
});
