/**
 * The store contract: every `Store` implementation (SQLite, PostgreSQL) passes this suite.
 * `open` gives a fresh, empty store; `reopen` (when the store is persistent) opens the same one again.
 */
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import type { DeliveryRecord } from '../../src/records/parse.js';
import type { RecordToStore, Store } from '../../src/store/types.js';

export interface StoreFactory {
  open(): Promise<Store>;
  reopen?(): Promise<Store>;
}

let counter = 0;
const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, second)).toISOString();

export function item(
  record: DeliveryRecord,
  interviewId: string | undefined,
  correlation: readonly string[] = [],
): RecordToStore {
  counter++;
  return { record, recordId: `r-${counter}-${Math.random()}`, interviewId, correlation };
}

const status = (id: string, s: string, second: number): DeliveryRecord => ({
  kind: 'onboarding-status',
  receivedAt: at(second),
  body: { interviewId: id, onboardingStatus: s },
});

export function describeStore(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    it('stores a record once however often it is appended, answering with its one position', async () => {
      const store = await factory.open();
      try {
        const one = item(status('a1', 'ID_VALIDATION_FINISHED', 1), 'a1');
        const [first] = await store.append([one]);
        const [again] = await store.append([one]);
        expect(first?.inserted).toBe(true);
        expect(again).toEqual({ inserted: false, seq: first?.seq });
        expect((await store.sessionRecords('a1')).map((r) => r.record)).toEqual([one.record]);
      } finally {
        await store.close();
      }
    });

    it('answers concurrent appends each with its own outcome, in one total order', async () => {
      const store = await factory.open();
      try {
        const items = Array.from({ length: 50 }, (_, i) =>
          item(status(`s${i % 5}`, 'ID_VALIDATION_FINISHED', i), `s${i % 5}`),
        );
        const outcomes = await Promise.all(items.map((one) => store.append([one])));
        const seqs = outcomes.map((list) => list[0]?.seq as number);
        expect(new Set(seqs).size).toBe(50);
        const all = await store.recordsAfter(0, 1000);
        expect(all.map((r) => r.seq)).toEqual([...seqs].sort((a, b) => a - b));
        expect(all.map((r) => r.seq)).toEqual(all.map((r) => r.seq).sort((a, b) => a - b));
      } finally {
        await store.close();
      }
    });

    it('pages records after a position and session ids after an id, sorted', async () => {
      const store = await factory.open();
      try {
        for (const id of ['c', 'a', 'b', 'a']) await store.append([item(status(id, 'ID_VALIDATION_FINISHED', 1), id)]);
        const firstTwo = await store.recordsAfter(0, 2);
        expect(firstTwo).toHaveLength(2);
        const rest = await store.recordsAfter(firstTwo[1]?.seq as number, 10);
        expect(rest.map((r) => r.interviewId)).toEqual(['b', 'a']);
        expect(await store.sessionIds(undefined, 2)).toEqual(['a', 'b']);
        expect(await store.sessionIds('b', 2)).toEqual(['c']);
      } finally {
        await store.close();
      }
    });

    it('gives a session the records tied to it by a correlation id, stored before or after the tie', async () => {
      const store = await factory.open();
      try {
        const before: DeliveryRecord = {
          kind: 'proof-of-payment',
          receivedAt: at(1),
          body: { requestId: 'q1', rfcIssuer: 'X' },
        };
        const tie: DeliveryRecord = {
          kind: 'work-history',
          receivedAt: at(2),
          body: { interviewId: 'a1', requestId: 'q1', workHistory: {} },
        };
        const after: DeliveryRecord = {
          kind: 'proof-of-payment',
          receivedAt: at(3),
          body: { requestId: 'q1', rfcIssuer: 'Y' },
        };
        const other: DeliveryRecord = {
          kind: 'work-history',
          receivedAt: at(4),
          body: { interviewId: 'b1', requestId: 'q1', workHistory: {} },
        };
        const stray: DeliveryRecord = { kind: 'proof-of-payment', receivedAt: at(5), body: { requestId: 'q9' } };
        await store.append([item(before, undefined, ['requestId:q1'])]);
        await store.append([item(tie, 'a1', ['requestId:q1'])]);
        await store.append([item(after, undefined, ['requestId:q1'])]);
        await store.append([item(other, 'b1', ['requestId:q1'])]);
        await store.append([item(stray, undefined, ['requestId:q9'])]);
        const a1 = await store.sessionRecords('a1');
        expect(a1.map((r) => r.record)).toEqual([before, tie, after]);
        expect(a1.every((r) => r.interviewId === 'a1')).toBe(true);
        // The first session to claim an id keeps it, as a replay of the whole log decides.
        expect((await store.sessionRecords('b1')).map((r) => r.record)).toEqual([other]);
        const all = await store.recordsAfter(0, 100);
        expect(all.at(-1)?.interviewId).toBeUndefined();
        expect(await store.sessionIds(undefined, 10)).toEqual(['a1', 'b1']);
        // A session's records fold to the view a replay of the whole log gives.
        const whole = new Ledger();
        for (const r of all) whole.add(r.record);
        const own = new Ledger();
        for (const r of a1) own.add(r.record);
        expect(own.view('a1')).toEqual(whole.view('a1'));
      } finally {
        await store.close();
      }
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps what it acknowledged after it is closed and opened again', async () => {
        const store = await factory.open();
        const one = item(status('k1', 'ONBOARDING_FINISHED', 9), 'k1');
        const [outcome] = await store.append([one]);
        await store.close();
        const again = await reopen();
        try {
          expect(await again.sessionRecords('k1')).toEqual([
            { seq: outcome?.seq, record: one.record, interviewId: 'k1' },
          ]);
          expect((await again.append([one]))[0]?.inserted).toBe(false);
        } finally {
          await again.close();
        }
      });
    }
  });
}
