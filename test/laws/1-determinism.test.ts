/** Law 1: the view is a pure function of the set of delivery records. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { applyRecord, initialSession, parseRecord, type SessionState, viewSession } from '../../src/index.js';
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
      const records = history.records.filter((r) => JSON.stringify(r).includes('"s1"'));
      const cut = records.length === 0 ? 0 : cutSeed % records.length;
      const apply = (state: SessionState, record: unknown) => {
        const result = parseRecord(record);
        return result.ok && result.parsed.sessionId === 's1' ? applyRecord(state, result.parsed) : state;
      };
      let straight = initialSession('s1');
      for (const record of records) straight = apply(straight, record);
      let resumed = initialSession('s1');
      for (const record of records.slice(0, cut)) resumed = apply(resumed, record);
      resumed = JSON.parse(JSON.stringify(resumed)) as SessionState;
      for (const record of records.slice(cut)) resumed = apply(resumed, record);
      expect(viewSession(resumed)).toEqual(viewSession(straight));
    },
  );
});
