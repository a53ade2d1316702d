/**
 * Law 3: applying the same record twice equals applying it once; copies of one webhook (the
 * vendor's retries) count once, at the earliest time, and are reported as duplicates; every
 * watchlist delivery counts.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { DeliveryRecord } from '../../src/index.js';
import { decisionsOf, fold } from '../support/fold.js';
import { historyArb, permutedHistoryArb } from '../support/histories.js';

const later = (record: DeliveryRecord, ms: number): DeliveryRecord => ({
  ...record,
  receivedAt: new Date(Date.parse(record.receivedAt) + ms).toISOString(),
});

describe('law 3: idempotence', () => {
  test.prop([permutedHistoryArb, fc.nat()])(
    'a record applied twice in a row leaves everything, anomalies included, as applied once',
    ({ permuted }, pick) => {
      const index = pick % permuted.length;
      const twice = [...permuted.slice(0, index + 1), permuted[index], ...permuted.slice(index + 1)];
      expect(fold(twice).snapshot()).toEqual(fold(permuted).snapshot());
    },
  );

  test.prop([permutedHistoryArb, fc.nat(), fc.integer({ min: 1, max: 3_600_000 })])(
    'a later copy of a webhook changes no decision and is reported as a duplicate',
    ({ permuted }, pick, delay) => {
      const webhooks = permuted.filter((r) => r.kind !== 'poll' && r.kind !== 'watchlist');
      fc.pre(webhooks.length > 0);
      const original = webhooks[pick % webhooks.length];
      const copy = later(original, delay);
      const same = (r: DeliveryRecord) => JSON.stringify(r) === JSON.stringify(copy);
      fc.pre(!permuted.some(same));
      const before = fold(permuted);
      const after = fold([...permuted, copy]);
      expect(decisionsOf(after)).toEqual(decisionsOf(before));
      const count = (ledger: typeof before) =>
        ledger
          .snapshot()
          .sessions.flatMap((s) => s.anomalies)
          .filter((a) => a.code === 'duplicate').length;
      const orphaned = before.snapshot().anomalies.length !== after.snapshot().anomalies.length;
      if (!orphaned) expect(count(after)).toBe(count(before) + 1);
    },
  );

  test.prop([historyArb, fc.integer({ min: 1, max: 3_600_000 })])(
    'an earlier copy met after the later one counts at the earliest time, as if it came first',
    (history, advance) => {
      const webhooks = history.records.filter((r) => r.kind !== 'poll' && r.kind !== 'watchlist');
      fc.pre(webhooks.length > 0);
      const target = webhooks[0];
      const earlier = later(target, -advance);
      const earliestFirst = [earlier, ...history.records];
      const earliestLast = [...history.records, earlier];
      expect(decisionsOf(fold(earliestLast))).toEqual(decisionsOf(fold(earliestFirst)));
    },
  );

  test.prop([historyArb, fc.integer({ min: 1, max: 3 })])(
    'every watchlist delivery asks for another fetch, even with the same body',
    (history, extra) => {
      const update = history.records.find((r) => r.kind === 'watchlist' && (r.body as { ref?: unknown }).ref);
      if (update === undefined) return fc.pre(false);
      const session = (update.body as { interviewId: string }).interviewId;
      const countOf = (records: readonly DeliveryRecord[]) =>
        fold(records).view(session)?.modules.watchlist?.refetch?.count ?? 0;
      const copies = Array.from({ length: extra }, (_, i) => later(update, (i + 1) * 1000 + 1));
      expect(countOf([...history.records, ...copies])).toBe(countOf(history.records) + extra);
    },
  );
});

describe('law 3: copies at the earliest time, by example', () => {
  const at = (s: number) => new Date(Date.parse('2026-11-25T10:00:00.000Z') + s * 1000).toISOString();
  const rejected = (s: number): DeliveryRecord => ({
    kind: 'onboarding-status',
    receivedAt: at(s),
    body: { interviewId: 'c1', onboardingStatus: 'MANUAL_REVIEW_REJECTED' },
  });
  const approvedPoll: DeliveryRecord = {
    kind: 'poll',
    interviewId: 'c1',
    requestedAt: at(30),
    receivedAt: at(30.5),
    body: { onboardingStatus: 'MANUAL_REVIEW_APPROVED' },
  };

  test('a retry that arrives first does not escape the poll that settled its original', () => {
    // The original (10 s) was received before the poll was sent (30 s); its retry came at 40 s.
    for (const order of [
      [rejected(10), approvedPoll, rejected(40)],
      [rejected(40), approvedPoll, rejected(10)],
      [approvedPoll, rejected(40), rejected(10)],
    ]) {
      const view = fold(order).view('c1');
      expect(view?.decision).toBe('approved');
      expect(view?.anomalies.filter((a) => a.code === 'duplicate')).toHaveLength(1);
    }
  });
});
