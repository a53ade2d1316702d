/**
 * Law 9: a session's state is a summary of its set of records that can be merged:
 * `merge(state(A), state(B))` equals `state(A ∪ B)`, and merge is associative, commutative and
 * idempotent. So a log folded in pieces (on several workers, instances or machines) and the
 * pieces combined in any order gives the same answer as one fold of the whole.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  applyRecord,
  initialSession,
  Ledger,
  merge,
  parseRecord,
  restoreState,
  type SessionState,
  STATE_VERSION,
  StateVersionError,
  sameRecords,
  viewSession,
} from '../../src/index.js';
import { fold, foldPieces } from '../support/fold.js';
import { historyArb, splitHistoryArb } from '../support/histories.js';
import { type Rec, status } from '../support/records.js';

/** The state of a set of records of one session, folded with the pure `applyRecord`. */
function stateOf(id: string, records: readonly Rec[]): SessionState {
  let state = initialSession(id);
  for (const record of records) state = applyRecord(state, parseRecord(record));
  return state;
}

/** Equal as sets of records, and with equal views. */
function expectSame(a: SessionState, b: SessionState): void {
  expect(sameRecords(a, b)).toBe(true);
  expect(viewSession(a)).toEqual(viewSession(b));
}

/** One session's records of a history (those naming it), cut into three sets (they may overlap). */
const threeSetsArb = historyArb.chain((history) => {
  const own = history.records.filter((record) => parseRecord(record).sessionId === 's1');
  return fc
    .array(fc.subarray([0, 1, 2], { minLength: 1 }), { minLength: own.length, maxLength: own.length })
    .map((where) => [0, 1, 2].map((set) => own.filter((_, i) => where[i].includes(set))) as [Rec[], Rec[], Rec[]]);
});

describe('law 9: mergeable', () => {
  test.prop([threeSetsArb])('merge(state(A), state(B)) is state(A ∪ B)', ([a, b]) => {
    expectSame(merge(stateOf('s1', a), stateOf('s1', b)), stateOf('s1', [...a, ...b]));
  });

  test.prop([threeSetsArb])('merge is commutative', ([a, b]) => {
    expectSame(merge(stateOf('s1', a), stateOf('s1', b)), merge(stateOf('s1', b), stateOf('s1', a)));
  });

  test.prop([threeSetsArb])('merge is associative', ([a, b, c]) => {
    const [x, y, z] = [stateOf('s1', a), stateOf('s1', b), stateOf('s1', c)];
    expectSame(merge(merge(x, y), z), merge(x, merge(y, z)));
  });

  test.prop([threeSetsArb])('merge is idempotent, and applying a record is merging its state', ([a, b]) => {
    const x = stateOf('s1', a);
    expectSame(merge(x, x), x);
    for (const record of b) {
      expectSame(applyRecord(x, parseRecord(record)), merge(x, stateOf('s1', [record])));
    }
  });

  test.prop([splitHistoryArb])(
    'a log cut into 2–4 pieces, each folded apart and merged in any order, gives the views of one fold',
    ({ history, pieces }) => {
      expect(foldPieces(pieces).snapshot()).toEqual(fold(history.records).snapshot());
    },
  );

  test.prop([splitHistoryArb])(
    'the pieces merged as JSON (as workers hand them over) agree too',
    ({ history, pieces }) => {
      const [first, ...rest] = pieces.map((piece) => fold(piece));
      const merged = new Ledger();
      for (const ledger of [first, ...rest]) merged.merge(JSON.parse(JSON.stringify(ledger.export())));
      expect(merged.snapshot()).toEqual(fold(history.records).snapshot());
    },
  );
});

describe('law 9: the state carries its format version', () => {
  it('a state of another version is refused with a message that says to fold the records again', () => {
    const state = stateOf('a1', [status(1, 'ONBOARDING_FINISHED')]);
    const old = { ...JSON.parse(JSON.stringify(state)), version: 'onboarding-status/state@1' };
    expect(() => restoreState(old)).toThrow(StateVersionError);
    expect(() => restoreState(old)).toThrow(/fold the session's records again/);
    expect(() => merge(state, old)).toThrow(StateVersionError);
    expect(restoreState(JSON.parse(JSON.stringify(state))).version).toBe(STATE_VERSION);
  });

  it('states of two sessions do not merge', () => {
    expect(() => merge(stateOf('a1', []), stateOf('a2', []))).toThrow(/two sessions/);
  });
});
