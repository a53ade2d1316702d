/**
 * The packed form of a session (how a `Ledger` keeps it at rest) is the state itself in fewer
 * bytes: records added to it one by one, in any order, read back as the state the pure fold
 * gives, and a state packed whole reads back as itself.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { INFO, STRIDE, sourceOf } from '../../src/core/atoms.js';
import {
  appendRecord,
  MAX_PACKED_BYTES,
  PackTables,
  packRecord,
  packState,
  unpackState,
} from '../../src/core/packed.js';
import {
  applyInPlace,
  atomOf,
  carriedIds,
  initialSession,
  type MutableState,
  sameRecords,
  thaw,
} from '../../src/core/state.js';
import { viewSession } from '../../src/core/view.js';
import { parseRecord } from '../../src/index.js';
import { permutedHistoryArb } from '../support/histories.js';
import { hook, poll, status } from '../support/records.js';

/** Records of one session with where they were read (up to three files), in an order. */
const sessionRecordsArb = permutedHistoryArb.chain(({ permuted }) =>
  fc
    .array(fc.nat(2), { minLength: permuted.length, maxLength: permuted.length })
    .map((files) =>
      permuted
        .map((record, i) => parseRecord(record, { file: `log-${files[i]}.jsonl`, line: i + 1 }))
        .filter((parsed) => parsed.sessionId === 's1'),
    ),
);

/** Where each record of a state was read, in atom order (not part of a record's identity). */
function sourcesOf(state: MutableState) {
  const sources = [];
  for (let i = 0; i < state.atoms.length; i += STRIDE) sources.push(sourceOf(state.atoms[i + INFO], state.strings));
  return sources;
}

describe('packed sessions', () => {
  test.prop([sessionRecordsArb])(
    'records appended one by one read back as the state applyInPlace builds',
    (records) => {
      const tables = new PackTables();
      const state = thaw(initialSession('s1'));
      let packed: string | undefined;
      for (const parsed of records) {
        const ids = carriedIds(parsed);
        const applied = applyInPlace(state, parsed, undefined, ids);
        const atom = atomOf(parsed, undefined, ids);
        const next = packed === undefined ? packRecord(atom, tables) : appendRecord(packed, atom, tables);
        expect(next === false).toBe(!applied);
        if (next !== false && next !== undefined) packed = next;
      }
      if (packed === undefined) return;
      const back = unpackState('s1', packed, tables);
      expect(sameRecords(back, state)).toBe(true);
      expect(sourcesOf(back)).toEqual(sourcesOf(state));
      expect(viewSession(back)).toEqual(viewSession(state));
      expect(back.atoms).toHaveLength(state.atoms.length);
    },
  );

  test.prop([sessionRecordsArb])('a state packed whole reads back as itself', (records) => {
    const tables = new PackTables();
    const state = thaw(initialSession('s1'));
    for (const parsed of records) applyInPlace(state, parsed);
    const packed = packState(state, tables);
    if (packed === undefined) return;
    const back = unpackState('s1', packed, tables);
    // The same records, notes and sources (its strings may be numbered in another order).
    expect(sameRecords(back, state)).toBe(true);
    expect(back.notes).toEqual(state.notes);
    expect(sourcesOf(back)).toEqual(sourcesOf(state));
    expect(viewSession(back)).toEqual(viewSession(state));
  });

  it('keeps odd values exactly: a time before 1970, a refused record, a ref in any script, a long line', () => {
    const tables = new PackTables();
    const state: MutableState = thaw(initialSession('a1'));
    const records = [
      parseRecord(
        {
          kind: 'onboarding-status',
          receivedAt: '1969-07-20T20:17:40Z',
          body: { interviewId: 'a1', onboardingStatus: 'ID_VALIDATION_FINISHED' },
        },
        { file: 'ünïcode.jsonl', line: 2 ** 34 },
      ),
      parseRecord({ kind: 'poll', receivedAt: 'yesterday', interviewId: 'a1', body: {} }, { file: 'b', line: 7 }),
      parseRecord(hook('watchlist', 5, { interviewId: 'a1', ref: 'ref-日本-🎌', search_id: 1 }), {
        file: 'b',
        line: 8,
      }),
      parseRecord(poll(10, 9, 'ONBOARDING_FINISHED'), { file: 'b', line: 9 }),
      parseRecord(status(3, 'SOMETHING_NEW'), undefined),
    ];
    let packed: string | undefined;
    for (const parsed of records) {
      applyInPlace(state, parsed);
      const atom = atomOf(parsed);
      const next = packed === undefined ? packRecord(atom, tables) : appendRecord(packed, atom, tables);
      expect(next).toEqual(expect.any(String));
      packed = next === false ? packed : next;
    }
    const back = unpackState('a1', packed as string, tables);
    expect(sameRecords(back, state)).toBe(true);
    expect(sourcesOf(back)).toEqual(sourcesOf(state));
    expect(sourcesOf(back)).toContainEqual({ file: 'ünïcode.jsonl', line: 2 ** 34 });
    expect(viewSession(back)).toEqual(viewSession(state));
    expect(back.strings).toContain('ref-日本-🎌');
  });

  it('leaves a state too large to be worth packing open, and says why by returning nothing', () => {
    const tables = new PackTables();
    const state = thaw(initialSession('big'));
    for (let i = 0; i < 400; i++)
      applyInPlace(state, parseRecord(poll(i, i + 1, 'UNKNOWN', 'big'), { file: 'f', line: i }));
    expect(packState(state, tables)).toBeUndefined();
    const one = packRecord(atomOf(parseRecord(poll(1, 2, 'UNKNOWN', 'big'))), tables) as string;
    expect(
      appendRecord('x'.repeat(MAX_PACKED_BYTES + 1), atomOf(parseRecord(poll(3, 4, 'UNKNOWN', 'big'))), tables),
    ).toBeUndefined();
    expect(one.length).toBeLessThan(40);
  });
});
