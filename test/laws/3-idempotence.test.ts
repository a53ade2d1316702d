/**
 * Law 3: applying the same record twice equals applying it once; copies of one webhook (the
 * vendor's retries) count once, at the earliest time, and the later copies are duplicates that
 * change nothing else; every watchlist delivery counts; each poll is its own observation.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { LedgerSnapshot } from '../../src/index.js';
import { fold } from '../support/fold.js';
import { historyArb, permutedHistoryArb } from '../support/histories.js';
import { later, poll, type Rec, status } from '../support/records.js';

/** A snapshot with the duplicates' anomalies left out, and each view's count of them. */
const apartFromDuplicates = (snapshot: LedgerSnapshot) => ({
  ...snapshot,
  sessions: snapshot.sessions.map((view) => ({
    ...view,
    anomalies: view.anomalies.filter((anomaly) => anomaly.code !== 'duplicate'),
  })),
});
const duplicates = (snapshot: LedgerSnapshot) =>
  snapshot.sessions.flatMap((view) => view.anomalies).filter((anomaly) => anomaly.code === 'duplicate').length;

describe('law 3: idempotence', () => {
  it('a record naming no session, read twice while no session carries its id, is reported once', () => {
    const orphan: Rec = {
      kind: 'face-authentication',
      receivedAt: '2026-11-25T10:00:01Z',
      body: { identityId: 'nobody-carries-this', success: true },
    };
    expect(fold([orphan, orphan]).snapshot()).toEqual(fold([orphan]).snapshot());
    expect(
      fold([orphan, orphan])
        .anomalies()
        .map((anomaly) => anomaly.code),
    ).toEqual(['uncorrelated']);
  });

  test.prop([permutedHistoryArb, fc.nat()])(
    'a record applied twice leaves everything, anomalies included, as applied once',
    ({ permuted }, pick) => {
      const index = pick % permuted.length;
      const twice = [...permuted, permuted[index]];
      expect(fold(twice).snapshot()).toEqual(fold(permuted).snapshot());
    },
  );

  test.prop([permutedHistoryArb, fc.nat(), fc.integer({ min: 1, max: 3_600_000 })])(
    'a later copy of a webhook is one more duplicate and changes nothing else',
    ({ permuted }, pick, delay) => {
      const webhooks = permuted.filter((r) => r.kind !== 'poll' && r.kind !== 'watchlist');
      fc.pre(webhooks.length > 0);
      const copy = later(webhooks[pick % webhooks.length], delay);
      fc.pre(!permuted.some((r) => JSON.stringify(r) === JSON.stringify(copy)));
      const before = fold(permuted).snapshot();
      const after = fold([...permuted, copy]).snapshot();
      // A copy of a record naming no session, never tied to one, is listed with the others.
      fc.pre(after.anomalies.length === before.anomalies.length);
      expect(apartFromDuplicates(after)).toEqual(apartFromDuplicates(before));
      expect(duplicates(after)).toBe(duplicates(before) + 1);
    },
  );

  test.prop([historyArb, fc.integer({ min: 1, max: 3_600_000 })])(
    'an earlier copy counts at the earliest time: the later one becomes the duplicate',
    (history, advance) => {
      const webhooks = history.records.filter((r) => r.kind !== 'poll' && r.kind !== 'watchlist');
      fc.pre(webhooks.length > 0);
      const target = webhooks[0];
      const earlier = later(target, -advance);
      const replaced = history.records.map((r) => (r === target ? earlier : r));
      const both = fold([...history.records, earlier]).snapshot();
      // The same as if the earlier copy had been the only one, plus one duplicate.
      expect(apartFromDuplicates(both)).toEqual(apartFromDuplicates(fold(replaced).snapshot()));
    },
  );

  test.prop([historyArb, fc.integer({ min: 1, max: 3 })])(
    'every watchlist delivery asks for another fetch, even with the same body',
    (history, extra) => {
      const update = history.records.find((r) => r.kind === 'watchlist' && (r.body as { ref?: unknown }).ref);
      if (update === undefined) return fc.pre(false);
      const session = (update.body as { interviewId: string }).interviewId;
      const countOf = (records: readonly Rec[]) => fold(records).view(session)?.modules.watchlist?.refetch?.count ?? 0;
      const copies = Array.from({ length: extra }, (_, i) => later(update, (i + 1) * 1000 + 1));
      expect(countOf([...history.records, ...copies])).toBe(countOf(history.records) + extra);
    },
  );
});

describe('law 3 by example', () => {
  const rejected = (s: number) => status(s, 'MANUAL_REVIEW_REJECTED', 'c1');
  const approvedPoll = poll(30, 30.5, 'MANUAL_REVIEW_APPROVED', 'c1');

  it('a retry that arrives first does not escape the poll that settled its original', () => {
    // The original (10 s) was received before the poll was sent (30 s); its retry came at 40 s.
    for (const order of [
      [rejected(10), approvedPoll, rejected(40)],
      [rejected(40), approvedPoll, rejected(10)],
      [approvedPoll, rejected(40), rejected(10)],
    ]) {
      const view = fold(order).view('c1');
      expect(view?.decision).toBe('approved');
      expect(view?.anomalies.filter((a) => a.code === 'duplicate')).toHaveLength(1);
      expect(view?.anomalies.find((a) => a.code === 'duplicate')?.receivedAt).toBe('2026-11-25T10:00:40.000Z');
    }
  });

  it('a webhook and a poll reporting the same status are two observations, neither a copy', () => {
    const view = fold([poll(1, 1.5, 'FACE_VALIDATION_FINISHED'), status(2, 'FACE_VALIDATION_FINISHED')]).view('a1');
    expect(view?.anomalies).toEqual([]);
    expect(view?.records).toBe(2);
  });
});
