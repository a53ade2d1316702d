/**
 * Law 6: decisions are never silently overwritten. Disagreeing approval and rejection give
 * `conflict` and ask for a poll; the latest deciding poll (by requestedAt) settles every webhook
 * received before it was sent; a disagreeing webhook received after it is a conflict again.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { fold } from '../support/fold.js';
import { permutedHistoryArb } from '../support/histories.js';
import { expectedDecision, recordsBySession } from '../support/oracle.js';
import { hook, poll as pollAt, type Rec, status, t } from '../support/records.js';

const review = (decision: string, s: number): Rec => status(s, decision, 'r1');
const poll = (decision: string, sent: number): Rec => pollAt(sent, sent + 0.3, decision, 'r1');

const decisionPollArb = fc.record({
  status: fc.constantFrom('MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'),
  sent: fc.integer({ min: 0, max: 4000 }),
});

describe('law 6: decisions are never silently overwritten', () => {
  test.prop([permutedHistoryArb, fc.array(decisionPollArb, { maxLength: 2 })])(
    'the decision is what an independent reading of law 6 gives, in any order',
    ({ permuted }, extraPolls) => {
      const polls = extraPolls.map(({ status: reported, sent }) => ({ ...poll(reported, sent), interviewId: 's1' }));
      const records = [...permuted, ...polls];
      const ledger = fold(records);
      const bySession = recordsBySession(records);
      for (const view of ledger.snapshot().sessions) {
        const own = bySession.get(view.interviewId) ?? [];
        expect(view.decision, view.interviewId).toBe(expectedDecision(own));
        expect(view.pollRequested).toBe(view.decision === 'conflict');
      }
    },
  );

  it('approval then rejection is a conflict that asks for a poll, whatever the order', () => {
    for (const records of [
      [review('MANUAL_REVIEW_APPROVED', 10), review('MANUAL_REVIEW_REJECTED', 20)],
      [review('MANUAL_REVIEW_REJECTED', 20), review('MANUAL_REVIEW_APPROVED', 10)],
    ]) {
      const view = fold(records).view('r1');
      expect(view?.decision).toBe('conflict');
      expect(view?.pollRequested).toBe(true);
      expect(view?.anomalies.map((a) => a.code)).toContain('conflicting-decision');
      expect(view?.status).toBe('MANUAL_REVIEW_REJECTED');
    }
  });

  it('a poll sent after both settles the conflict on what it reports', () => {
    const view = fold([
      review('MANUAL_REVIEW_APPROVED', 10),
      review('MANUAL_REVIEW_REJECTED', 20),
      poll('MANUAL_REVIEW_APPROVED', 30),
    ]).view('r1');
    expect(view?.decision).toBe('approved');
    expect(view?.status).toBe('MANUAL_REVIEW_APPROVED');
    expect(view?.terminal).toBe(true);
  });

  it('a disagreeing webhook received after the settling poll was sent is a conflict again', () => {
    const view = fold([
      review('MANUAL_REVIEW_APPROVED', 10),
      review('MANUAL_REVIEW_REJECTED', 20),
      poll('MANUAL_REVIEW_APPROVED', 30),
      hook('session-failed', 30.1, { interviewId: 'r1' }),
    ]).view('r1');
    expect(view?.decision).toBe('conflict');
  });

  it('only the latest poll by requestedAt settles: an older poll answering late is stale', () => {
    const records = [
      review('MANUAL_REVIEW_APPROVED', 10),
      review('MANUAL_REVIEW_REJECTED', 20),
      poll('MANUAL_REVIEW_REJECTED', 40),
      { ...poll('MANUAL_REVIEW_APPROVED', 30), receivedAt: t(50) },
    ];
    const view = fold(records).view('r1');
    expect(view?.decision).toBe('rejected');
    expect(view?.anomalies.map((a) => a.code)).toContain('stale-poll');
  });

  it('a decision supersedes pending review', () => {
    const pending = hook('session-pending-review', 5, { interviewId: 'r1' });
    expect(fold([pending]).view('r1')?.decision).toBe('pending-review');
    expect(fold([review('MANUAL_REVIEW_REJECTED', 10), pending]).view('r1')?.decision).toBe('rejected');
  });
});
