/**
 * Law 2: any permutation of the same records gives the same view: status, decision, fetchable
 * and anomalies, judged by the records' own times (so also a time written with another offset).
 */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseTime } from '../../src/index.js';
import { fold } from '../support/fold.js';
import { permutedHistoryArb } from '../support/histories.js';
import type { Rec } from '../support/records.js';

/** The same record with its times written in UTC (`Z`). */
const inUtc = (record: Rec): Rec => ({
  ...record,
  receivedAt: new Date(parseTime(record.receivedAt) as number).toISOString(),
  ...(record.requestedAt === undefined
    ? {}
    : { requestedAt: new Date(parseTime(record.requestedAt) as number).toISOString() }),
});

describe('law 2: order independence', () => {
  test.prop([permutedHistoryArb])(
    'every view, anomalies included, and the records of no session do not depend on arrival order',
    ({ history, permuted }) => {
      expect(fold(permuted).snapshot()).toEqual(fold(history.records).snapshot());
    },
  );

  test.prop([permutedHistoryArb])('the reversed order agrees too (the most late deliveries)', ({ history }) => {
    expect(fold([...history.records].reverse()).snapshot()).toEqual(fold(history.records).snapshot());
  });

  test.prop([permutedHistoryArb])(
    'times written with other offsets for the same instants give the same answer',
    ({ history, permuted }) => {
      expect(fold(permuted.map(inUtc)).snapshot()).toEqual(fold(history.records).snapshot());
    },
  );
});
