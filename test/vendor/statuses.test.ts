/**
 * SPEC 1.1 and law 5: the vendor's onboarding statuses, their order, what each one implies, and
 * that `UNKNOWN` is only ever a poll's answer. Example-based: every fact is spelled out here.
 */
import { describe, expect, it } from 'vitest';
import { Ledger, ONBOARDING_STATUSES, type OnboardingStatus, parseRecord, STATUS_FACTS } from '../../src/index.js';
import {
  DECISION_RANK,
  highestStatus,
  IMPLIED_BITS,
  impliedBy,
  isOnboardingStatus,
  statusBit,
} from '../../src/vendor/statuses.js';

const AT = '2026-11-25T10:00:00.000Z';

/** The statuses a status implies, read from the table's computed closure. */
function impliedList(status: OnboardingStatus): OnboardingStatus[] {
  return ONBOARDING_STATUSES.filter((other) => IMPLIED_BITS[status] & statusBit(other));
}

const MIDDLE: OnboardingStatus[] = [
  'ID_VALIDATION_FINISHED',
  'ID_VALIDATION_FINISHED_SECOND_ID',
  'POST_PROCESSING_FINISHED',
  'FACE_VALIDATION_FINISHED',
  'GOVERNMENT_VALIDATION_FINISHED',
];

function viewAfter(status: OnboardingStatus) {
  const ledger = new Ledger();
  ledger.add({ kind: 'onboarding-status', receivedAt: AT, body: { interviewId: 'a1', onboardingStatus: status } });
  const view = ledger.view('a1');
  if (view === undefined) throw new Error('the status did not reach session a1');
  return view;
}

describe('SPEC 1.1: the onboarding statuses and their order', () => {
  it('lists exactly the nine documented statuses, in the order of the SPEC table', () => {
    expect([...ONBOARDING_STATUSES]).toEqual([
      'UNKNOWN',
      'ID_VALIDATION_FINISHED',
      'ID_VALIDATION_FINISHED_SECOND_ID',
      'POST_PROCESSING_FINISHED',
      'FACE_VALIDATION_FINISHED',
      'GOVERNMENT_VALIDATION_FINISHED',
      'ONBOARDING_FINISHED',
      'MANUAL_REVIEW_APPROVED',
      'MANUAL_REVIEW_REJECTED',
    ]);
  });

  it('ranks UNKNOWN lowest and each following status strictly higher, up to ONBOARDING_FINISHED', () => {
    const ranks = ONBOARDING_STATUSES.slice(0, 7).map((status) => STATUS_FACTS[status].rank);
    expect(ranks[0]).toBe(0);
    for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThan(ranks[i - 1]);
  });

  it('gives the two manual-review statuses the same last rank, above ONBOARDING_FINISHED', () => {
    expect(STATUS_FACTS.MANUAL_REVIEW_APPROVED.rank).toBe(STATUS_FACTS.MANUAL_REVIEW_REJECTED.rank);
    expect(DECISION_RANK).toBe(STATUS_FACTS.MANUAL_REVIEW_APPROVED.rank);
    expect(DECISION_RANK).toBeGreaterThan(STATUS_FACTS.ONBOARDING_FINISHED.rank);
    for (const status of ONBOARDING_STATUSES) expect(STATUS_FACTS[status].rank).toBeLessThanOrEqual(DECISION_RANK);
  });

  it('picks the most advanced status of a set by rank, and UNKNOWN for an empty set', () => {
    expect(highestStatus(0)).toBe('UNKNOWN');
    expect(highestStatus(statusBit('FACE_VALIDATION_FINISHED') | statusBit('ID_VALIDATION_FINISHED'))).toBe(
      'FACE_VALIDATION_FINISHED',
    );
    expect(highestStatus(statusBit('ONBOARDING_FINISHED') | statusBit('GOVERNMENT_VALIDATION_FINISHED'))).toBe(
      'ONBOARDING_FINISHED',
    );
  });

  it('carries a decision only on the manual-review statuses: approved and rejected', () => {
    expect(STATUS_FACTS.MANUAL_REVIEW_APPROVED.decision).toBe('approved');
    expect(STATUS_FACTS.MANUAL_REVIEW_REJECTED.decision).toBe('rejected');
    for (const status of ONBOARDING_STATUSES.slice(0, 7)) expect(STATUS_FACTS[status].decision).toBeUndefined();
  });

  it('does not recognise a status the vendor has not documented (e.g. a future third ID)', () => {
    expect(isOnboardingStatus('ID_VALIDATION_FINISHED_THIRD_ID')).toBe(false);
    expect(isOnboardingStatus('onboarding_finished')).toBe(false);
    expect(isOnboardingStatus('ONBOARDING_FINISHED')).toBe(true);
  });
});

describe('law 5: what each status implies', () => {
  it('POST_PROCESSING_FINISHED implies ID_VALIDATION_FINISHED, and nothing else', () => {
    expect(impliedList('POST_PROCESSING_FINISHED')).toEqual(['ID_VALIDATION_FINISHED']);
  });

  it('ID_VALIDATION_FINISHED_SECOND_ID implies ID_VALIDATION_FINISHED, and nothing else', () => {
    expect(impliedList('ID_VALIDATION_FINISHED_SECOND_ID')).toEqual(['ID_VALIDATION_FINISHED']);
  });

  it('ONBOARDING_FINISHED implies every status of an onboarding module (ID, second ID, post-processing, face, government)', () => {
    expect(impliedList('ONBOARDING_FINISHED')).toEqual(MIDDLE);
  });

  it.each(['MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'] as const)(
    '%s implies ONBOARDING_FINISHED and, through it, every module status',
    (status) => {
      expect(impliedList(status)).toEqual([...MIDDLE, 'ONBOARDING_FINISHED']);
    },
  );

  it.each(['UNKNOWN', 'ID_VALIDATION_FINISHED', 'FACE_VALIDATION_FINISHED', 'GOVERNMENT_VALIDATION_FINISHED'] as const)(
    '%s implies no other status',
    (status) => {
      expect(impliedList(status)).toEqual([]);
    },
  );

  it('no status implies UNKNOWN or a manual-review decision', () => {
    for (const status of ONBOARDING_STATUSES) {
      const implied = impliedList(status);
      expect(implied).not.toContain('UNKNOWN');
      expect(implied).not.toContain('MANUAL_REVIEW_APPROVED');
      expect(implied).not.toContain('MANUAL_REVIEW_REJECTED');
    }
  });

  it('the implications of a set of statuses are the union of each one’s', () => {
    const known = statusBit('POST_PROCESSING_FINISHED') | statusBit('FACE_VALIDATION_FINISHED');
    expect(impliedBy(known)).toBe(statusBit('ID_VALIDATION_FINISHED'));
    expect(impliedBy(statusBit('MANUAL_REVIEW_REJECTED'))).toBe(IMPLIED_BITS.MANUAL_REVIEW_REJECTED);
  });

  describe('the implications reach the session view', () => {
    it('POST_PROCESSING_FINISHED alone makes the ID fetchable (final)', () => {
      const view = viewAfter('POST_PROCESSING_FINISHED');
      expect(view.fetchable).toEqual(['id']);
      expect(view.modules.id?.stage).toBe('final');
    });

    it('ID_VALIDATION_FINISHED_SECOND_ID alone makes both the first and the second ID fetchable', () => {
      expect(viewAfter('ID_VALIDATION_FINISHED_SECOND_ID').fetchable).toEqual(['id', 'secondId']);
    });

    it('ONBOARDING_FINISHED alone makes every onboarding module and the scores fetchable, all final', () => {
      const view = viewAfter('ONBOARDING_FINISHED');
      expect(view.fetchable).toEqual(['face', 'governmentValidation', 'id', 'scores', 'secondId']);
      for (const name of view.fetchable) expect(view.modules[name]?.stage, name).toBe('final');
    });

    it.each(['MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'] as const)(
      '%s alone counts as a finished onboarding: every onboarding module is fetchable',
      (status) => {
        const view = viewAfter(status);
        expect(view.status).toBe(status);
        expect(view.fetchable).toEqual(['face', 'governmentValidation', 'id', 'scores', 'secondId']);
      },
    );
  });
});

describe('SPEC 1.1: UNKNOWN is never a webhook, only a poll answer', () => {
  it('the table marks UNKNOWN, and only UNKNOWN, as never sent as a webhook', () => {
    expect(STATUS_FACTS.UNKNOWN.webhook).toBe(false);
    for (const status of ONBOARDING_STATUSES.slice(1)) expect(STATUS_FACTS[status].webhook, status).toBe(true);
  });

  it('an onboarding-status webhook carrying UNKNOWN is reported as unknown-status and proves nothing', () => {
    const result = parseRecord({
      kind: 'onboarding-status',
      receivedAt: AT,
      body: { interviewId: 'a1', onboardingStatus: 'UNKNOWN' },
    });
    expect(result.refused).toBe(false);
    expect(result.event).toBeUndefined();
    expect(result.sessionId).toBe('a1');
    const [problem] = result.findings;
    expect(problem.code).toBe('unknown-status');
    expect(problem.message).toContain('UNKNOWN');
    expect(problem.message).toMatch(/never sent as a webhook/);
  });

  it('a poll answering UNKNOWN is a valid observation of the status', () => {
    const result = parseRecord({
      kind: 'poll',
      interviewId: 'a1',
      requestedAt: AT,
      receivedAt: '2026-11-25T10:00:00.300Z',
      body: { onboardingStatus: 'UNKNOWN' },
    });
    expect(result.findings).toEqual([]);
    expect(result.event?.type).toBe('UNKNOWN');
  });
});
