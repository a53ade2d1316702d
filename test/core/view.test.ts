/**
 * SPEC 2.2 through the public `Ledger`: for small hand-written logs, the session's status,
 * decision, what is fetchable (final or preliminary, SPEC 1.4), what must be fetched again, how
 * records without an interviewId find their session, and the anomalies of the delivery order.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnomalyCode,
  Ledger,
  type LedgerOptions,
  type OnboardingStatus,
  type SessionView,
} from '../../src/index.js';
import { hook, poll, status, t } from '../support/records.js';

function ledgerOf(records: readonly unknown[], options?: LedgerOptions): Ledger {
  const ledger = new Ledger(options);
  records.forEach((record, i) => {
    ledger.addRaw(record, { line: i + 1 });
  });
  return ledger;
}

function viewOf(records: readonly unknown[], options?: LedgerOptions, interviewId = 'a1'): SessionView {
  const view = ledgerOf(records, options).view(interviewId);
  if (view === undefined) throw new Error(`no session ${interviewId}`);
  return view;
}

const codes = (view: SessionView): AnomalyCode[] => view.anomalies.map((a) => a.code);
const stages = (view: SessionView) => Object.fromEntries(view.fetchable.map((m) => [m, view.modules[m]?.stage]));
const ONBOARDING_ALL = ['face', 'governmentValidation', 'id', 'scores', 'secondId'];

describe('status: the most advanced onboarding status known', () => {
  it('is UNKNOWN for a session that has only started, with nothing decided or fetchable', () => {
    const view = viewOf([hook('session-started', 0)]);
    expect(view).toMatchObject({ interviewId: 'a1', status: 'UNKNOWN', decision: 'none', fetchable: [] });
    expect(view.anomalies).toEqual([]);
  });

  it('follows the SPEC order, whatever order the webhooks arrived in', () => {
    const records = [
      status(1, 'ID_VALIDATION_FINISHED'),
      status(2, 'GOVERNMENT_VALIDATION_FINISHED'),
      status(3, 'FACE_VALIDATION_FINISHED'),
    ];
    expect(viewOf(records).status).toBe('GOVERNMENT_VALIDATION_FINISHED');
    expect(viewOf([...records].reverse()).status).toBe('GOVERNMENT_VALIDATION_FINISHED');
  });

  it('takes a polled status as evidence of that status', () => {
    expect(viewOf([poll(1, 1.2, 'FACE_VALIDATION_FINISHED')]).status).toBe('FACE_VALIDATION_FINISHED');
  });

  it('never moves back on a stale UNKNOWN poll', () => {
    const view = viewOf([status(1, 'ID_VALIDATION_FINISHED'), poll(0.5, 2, 'UNKNOWN')]);
    expect(view.status).toBe('ID_VALIDATION_FINISHED');
    expect(view.fetchable).toEqual(['id']);
  });

  it('never moves back on a late delivery of an earlier status', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED'), status(2, 'POST_PROCESSING_FINISHED')]);
    expect(view.status).toBe('ONBOARDING_FINISHED');
  });

  it('is unchanged by a status this version does not know', () => {
    const view = viewOf([status(1, 'FACE_VALIDATION_FINISHED'), status(2, 'ID_VALIDATION_FINISHED_THIRD_ID')]);
    expect(view.status).toBe('FACE_VALIDATION_FINISHED');
    expect(codes(view)).toEqual(['unknown-status']);
  });
});

describe('status: the manual-review statuses share the last rank', () => {
  it('a manual-review status ranks above ONBOARDING_FINISHED', () => {
    const view = viewOf([status(2, 'MANUAL_REVIEW_REJECTED'), status(1, 'ONBOARDING_FINISHED')]);
    expect(view.status).toBe('MANUAL_REVIEW_REJECTED');
  });

  it('in a conflict, the one received last is the status, whatever order the records are read in', () => {
    const approvedFirst = [status(1, 'MANUAL_REVIEW_APPROVED'), status(2, 'MANUAL_REVIEW_REJECTED')];
    expect(viewOf(approvedFirst)).toMatchObject({ decision: 'conflict', status: 'MANUAL_REVIEW_REJECTED' });
    expect(viewOf([...approvedFirst].reverse())).toMatchObject({
      decision: 'conflict',
      status: 'MANUAL_REVIEW_REJECTED',
    });
    const rejectedFirst = [status(1, 'MANUAL_REVIEW_REJECTED'), status(2, 'MANUAL_REVIEW_APPROVED')];
    expect(viewOf(rejectedFirst)).toMatchObject({ decision: 'conflict', status: 'MANUAL_REVIEW_APPROVED' });
  });

  it('in a conflict, a retried copy does not make a status "received last": it counts at its first arrival', () => {
    const view = viewOf([
      status(1, 'MANUAL_REVIEW_APPROVED'),
      status(2, 'MANUAL_REVIEW_REJECTED'),
      status(3, 'MANUAL_REVIEW_APPROVED'), // the vendor's retry of the first delivery
    ]);
    expect(view).toMatchObject({ decision: 'conflict', status: 'MANUAL_REVIEW_REJECTED' });
  });

  it('once a poll settles the decision, the settled status is the status', () => {
    const view = viewOf([status(1, 'MANUAL_REVIEW_REJECTED'), poll(5, 5.3, 'MANUAL_REVIEW_APPROVED')]);
    expect(view).toMatchObject({ decision: 'approved', status: 'MANUAL_REVIEW_APPROVED' });
  });

  it('the settled status wins even when a disagreeing (older) poll answer was received later', () => {
    // Poll B was sent first but answered last; poll A, sent later, is the one that settles.
    const pollB = poll(2, 10, 'MANUAL_REVIEW_REJECTED');
    const pollA = poll(3, 3.5, 'MANUAL_REVIEW_APPROVED');
    for (const records of [
      [pollA, pollB],
      [pollB, pollA],
    ]) {
      expect(viewOf(records)).toMatchObject({ decision: 'approved', status: 'MANUAL_REVIEW_APPROVED' });
    }
  });
});

describe('decision (SPEC 2.2, law 6)', () => {
  it('is none without decision evidence, even when the onboarding finished (data complete, not approved)', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED')]);
    expect(view.decision).toBe('none');
    expect(view.terminal).toBe(false);
  });

  it('is pending-review after session-pending-review', () => {
    expect(viewOf([hook('session-pending-review', 1)]).decision).toBe('pending-review');
  });

  it.each([
    ['MANUAL_REVIEW_APPROVED', status(2, 'MANUAL_REVIEW_APPROVED'), 'approved'],
    ['session-succeeded', hook('session-succeeded', 2), 'approved'],
    ['MANUAL_REVIEW_REJECTED', status(2, 'MANUAL_REVIEW_REJECTED'), 'rejected'],
    ['session-failed', hook('session-failed', 2), 'rejected'],
  ])('%s supersedes pending-review, in either order of arrival', (_label, decisive, expected) => {
    const pending = hook('session-pending-review', 1);
    expect(viewOf([pending, decisive]).decision).toBe(expected);
    expect(viewOf([decisive, pending]).decision).toBe(expected);
    expect(viewOf([pending, decisive]).terminal).toBe(true);
  });

  it('approval and rejection together are a conflict that asks for a poll', () => {
    const view = viewOf([hook('session-succeeded', 1), status(2, 'MANUAL_REVIEW_REJECTED')]);
    expect(view.decision).toBe('conflict');
    expect(view.pollRequested).toBe(true);
    expect(view.terminal).toBe(false);
  });

  it('a poll reporting a decision settles every webhook received before the poll was sent', () => {
    const view = viewOf([
      hook('session-succeeded', 1),
      status(2, 'MANUAL_REVIEW_REJECTED'),
      poll(5, 5.4, 'MANUAL_REVIEW_REJECTED'),
    ]);
    expect(view.decision).toBe('rejected');
    expect(view.pollRequested).toBe(false);
  });

  it('a poll settles the conflict whichever order the records are read in', () => {
    const records = [
      hook('session-succeeded', 1),
      status(2, 'MANUAL_REVIEW_REJECTED'),
      poll(5, 5.4, 'MANUAL_REVIEW_APPROVED'),
    ];
    expect(viewOf(records).decision).toBe('approved');
    expect(viewOf([...records].reverse()).decision).toBe('approved');
  });

  it('a disagreeing webhook received after the poll was sent is a conflict again', () => {
    const records = [poll(5, 5.4, 'MANUAL_REVIEW_APPROVED'), hook('session-failed', 8)];
    expect(viewOf(records).decision).toBe('conflict');
    expect(viewOf(records).pollRequested).toBe(true);
  });

  it('a webhook received while the poll was in flight (after it was sent) is not settled by it', () => {
    const view = viewOf([poll(5, 5.8, 'MANUAL_REVIEW_APPROVED'), status(5.2, 'MANUAL_REVIEW_REJECTED')]);
    expect(view.decision).toBe('conflict');
  });

  it('an agreeing webhook after the settling poll keeps the decision', () => {
    expect(viewOf([poll(5, 5.4, 'MANUAL_REVIEW_APPROVED'), hook('session-succeeded', 8)]).decision).toBe('approved');
  });

  it('a poll of a non-decision status settles nothing', () => {
    const view = viewOf([hook('session-succeeded', 1), hook('session-failed', 2), poll(5, 5.4, 'ONBOARDING_FINISHED')]);
    expect(view.decision).toBe('conflict');
  });
});

describe('fetchable: what each piece of evidence makes safe to fetch (SPEC 1.4)', () => {
  it('ID_VALIDATION_FINISHED makes the ID fetchable, but only preliminary', () => {
    const view = viewOf([status(1, 'ID_VALIDATION_FINISHED')]);
    expect(view.fetchable).toEqual(['id']);
    expect(view.modules.id?.stage).toBe('preliminary');
    expect(view.modules.id?.endpoints.map((e) => e.path)).toEqual([
      '/omni/get/ocr-data',
      '/omni/get/images',
      '/omni/get/score',
    ]);
  });

  it('POST_PROCESSING_FINISHED makes the ID final, in either order', () => {
    const records = [status(1, 'ID_VALIDATION_FINISHED'), status(2, 'POST_PROCESSING_FINISHED')];
    expect(stages(viewOf(records))).toEqual({ id: 'final' });
    expect(stages(viewOf([...records].reverse()))).toEqual({ id: 'final' });
  });

  it('ONBOARDING_FINISHED makes a preliminary ID final', () => {
    const view = viewOf([status(1, 'ID_VALIDATION_FINISHED'), status(2, 'ONBOARDING_FINISHED')]);
    expect(view.modules.id?.stage).toBe('final');
  });

  it('ID_VALIDATION_FINISHED_SECOND_ID makes the second ID fetchable, and the first (it implies it)', () => {
    const view = viewOf([status(1, 'ID_VALIDATION_FINISHED_SECOND_ID')]);
    expect(view.fetchable).toEqual(['id', 'secondId']);
    expect(view.modules.secondId?.stage).toBe('final');
    expect(view.modules.id?.stage).toBe('preliminary');
  });

  it('FACE_VALIDATION_FINISHED makes the face (selfie and score) fetchable', () => {
    const view = viewOf([status(1, 'FACE_VALIDATION_FINISHED')]);
    expect(stages(view)).toEqual({ face: 'final' });
  });

  it('GOVERNMENT_VALIDATION_FINISHED is preliminary until ONBOARDING_FINISHED', () => {
    const before = viewOf([status(1, 'GOVERNMENT_VALIDATION_FINISHED')]);
    expect(stages(before)).toEqual({ governmentValidation: 'preliminary' });
    const after = viewOf([status(1, 'GOVERNMENT_VALIDATION_FINISHED'), status(2, 'ONBOARDING_FINISHED')]);
    expect(after.modules.governmentValidation?.stage).toBe('final');
  });

  it('ONBOARDING_FINISHED makes every onboarding module and the scores fetchable, final', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED')]);
    expect(view.fetchable).toEqual(ONBOARDING_ALL);
    for (const name of view.fetchable) expect(view.modules[name]?.stage, name).toBe('final');
  });

  it('a manual-review status alone implies ONBOARDING_FINISHED: every onboarding module is fetchable', () => {
    expect(viewOf([status(1, 'MANUAL_REVIEW_REJECTED')]).fetchable).toEqual(ONBOARDING_ALL);
  });

  it('a poll of a status is evidence of it, as a webhook would be', () => {
    expect(stages(viewOf([poll(1, 1.2, 'ID_VALIDATION_FINISHED')]))).toEqual({ id: 'preliminary' });
    expect(viewOf([poll(1, 1.2, 'ONBOARDING_FINISHED')]).fetchable).toEqual(ONBOARDING_ALL);
  });

  it('a poll answering UNKNOWN makes nothing fetchable', () => {
    expect(viewOf([poll(1, 1.2, 'UNKNOWN')]).fetchable).toEqual([]);
  });

  it('session webhooks make nothing fetchable: session-succeeded is a decision, not completed data', () => {
    const view = viewOf([hook('session-started', 1), hook('session-succeeded', 2), hook('identity-enrolled', 3)]);
    expect(view.fetchable).toEqual([]);
  });

  it('a flow configuration narrows what ONBOARDING_FINISHED makes fetchable to the flow’s modules', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED')], { flow: { modules: ['id', 'face'] } });
    expect(view.fetchable).toEqual(['face', 'id', 'scores']);
  });

  it('a flow with no onboarding modules still gets the scores on ONBOARDING_FINISHED', () => {
    expect(viewOf([status(1, 'MANUAL_REVIEW_APPROVED')], { flow: { modules: [] } }).fetchable).toEqual(['scores']);
  });

  it('a flow configuration does not withhold a module whose own status was received', () => {
    const view = viewOf([status(1, 'GOVERNMENT_VALIDATION_FINISHED'), status(2, 'ONBOARDING_FINISHED')], {
      flow: { modules: ['id'] },
    });
    expect(view.fetchable).toEqual(['governmentValidation', 'id', 'scores']);
  });

  it.each([
    ['video-selfie', { interviewId: 'a1', clientId: 'acme', flowId: 'f1' }, 'videoSelfie'],
    ['watchlist', { interviewId: 'a1', ref: 'w-1', search_id: 's-9' }, 'watchlist'],
    ['face-authentication', { interviewId: 'a1', success: false }, 'faceAuthentication'],
    ['work-history', { interviewId: 'a1', requestId: 'r-7', workHistory: {} }, 'workHistory'],
    ['proof-of-payment', { interviewId: 'a1', requestId: 'r-7' }, 'proofOfPayment'],
  ] as const)('a %s webhook makes %s fetchable, and nothing else', (kind, body, module) => {
    const view = viewOf([hook(kind, 1, body)]);
    expect(stages(view)).toEqual({ [module]: 'final' });
  });

  it('an INE scraping that FINISHED makes the score fetchable; IN_PROGRESS does not', () => {
    const ine = (s: number, ScrapingStatus: string) => hook('ine-scraping', s, { InterviewId: 'a1', ScrapingStatus });
    expect(viewOf([ine(1, 'IN_PROGRESS')]).fetchable).toEqual([]);
    expect(viewOf([ine(1, 'IN_PROGRESS'), ine(2, 'FINISHED')]).fetchable).toEqual(['scores']);
  });

  it('a body that cannot be read proves nothing, though the session sees the anomaly', () => {
    const view = viewOf([hook('watchlist', 1, { interviewId: 'a1', search_id: 's-9' })]);
    expect(view.fetchable).toEqual([]);
    expect(codes(view)).toEqual(['invalid-payload']);
  });
});

describe('what must be fetched again', () => {
  const update = (s: number, ref = 'w-1') => hook('watchlist', s, { interviewId: 'a1', ref, search_id: 's-9' });

  it('every watchlist delivery asks for a fetch again, though each has the same body', () => {
    const view = viewOf([update(10), update(3600)]);
    expect(view.modules.watchlist?.refetch).toMatchObject({ count: 2, after: t(3600) });
    expect(view.modules.watchlist?.refs).toEqual([{ ref: 'w-1', updates: 2, after: t(3600) }]);
    expect(codes(view)).not.toContain('duplicate');
  });

  it('counts each search ref on its own', () => {
    const view = viewOf([update(10, 'w-2'), update(20, 'w-1'), update(30, 'w-2')]);
    expect(view.modules.watchlist?.refs).toEqual([
      { ref: 'w-1', updates: 1, after: t(20) },
      { ref: 'w-2', updates: 2, after: t(30) },
    ]);
    expect(view.modules.watchlist?.refetch).toMatchObject({ count: 3, after: t(30) });
  });

  it('the very same watchlist record applied twice counts once', () => {
    const view = viewOf([update(10), update(10)]);
    expect(view.modules.watchlist?.refetch?.count).toBe(1);
  });

  it('the scores have nothing to fetch again before a decision', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED')]);
    expect(view.modules.scores?.stage).toBe('final');
    expect(view.modules.scores?.refetch).toBeUndefined();
  });

  it('a manual-review decision asks for the score to be fetched again', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED'), status(20, 'MANUAL_REVIEW_APPROVED')]);
    expect(view.modules.scores?.refetch).toMatchObject({ count: 1, after: t(20) });
  });

  it('a finished INE scraping asks for the score to be fetched again, as well as each decision', () => {
    const view = viewOf([
      status(1, 'ONBOARDING_FINISHED'),
      status(20, 'MANUAL_REVIEW_APPROVED'),
      hook('ine-scraping', 30, { InterviewId: 'a1', ScrapingStatus: 'FINISHED' }),
    ]);
    expect(view.modules.scores?.refetch).toMatchObject({ count: 2, after: t(30) });
  });

  it('a retried copy of the decision webhook does not ask for another fetch', () => {
    const view = viewOf([
      status(1, 'ONBOARDING_FINISHED'),
      status(20, 'MANUAL_REVIEW_APPROVED'),
      status(50, 'MANUAL_REVIEW_APPROVED'),
    ]);
    expect(view.modules.scores?.refetch).toMatchObject({ count: 1, after: t(20) });
  });

  it('a session outcome (session-succeeded/failed) is not a manual-review status: it asks for no score refetch', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED'), hook('session-succeeded', 20)]);
    expect(view.decision).toBe('approved');
    expect(view.modules.scores?.refetch).toBeUndefined();
  });

  it('an INE scraping still IN_PROGRESS does not ask for a fetch', () => {
    const view = viewOf([
      status(1, 'ONBOARDING_FINISHED'),
      hook('ine-scraping', 30, { InterviewId: 'a1', ScrapingStatus: 'IN_PROGRESS' }),
    ]);
    expect(view.modules.scores?.refetch).toBeUndefined();
  });
});

describe('records without an interviewId find their session', () => {
  const workHistory = hook('work-history', 1, { interviewId: 'a1', requestId: 'r-7', workHistory: { employers: [] } });
  const proof = hook('proof-of-payment', 2, { requestId: 'r-7', rfcIssuer: 'AAA010101AAA', totalCfdi: '100.00' });

  it('a proof-of-payment arriving after the work-history with its requestId joins that session', () => {
    const ledger = ledgerOf([workHistory, proof]);
    expect(ledger.view('a1')?.fetchable).toEqual(['proofOfPayment', 'workHistory']);
    expect(ledger.anomalies()).toEqual([]);
  });

  it('a proof-of-payment arriving before the work-history waits for it, then joins the session', () => {
    const ledger = new Ledger();
    expect(ledger.addRaw(proof)).toMatchObject({ to: 'waiting' });
    expect(ledger.size).toBe(0);
    expect(ledger.addRaw(workHistory)).toEqual({ to: 'session', interviewId: 'a1' });
    expect(ledger.view('a1')?.fetchable).toEqual(['proofOfPayment', 'workHistory']);
    expect(ledger.anomalies()).toEqual([]);
  });

  it('a proof-of-payment never tied to a session is reported uncorrelated at the top level, naming its requestId', () => {
    const ledger = ledgerOf([workHistory, hook('proof-of-payment', 2, { requestId: 'r-unknown' })]);
    expect(ledger.view('a1')?.fetchable).toEqual(['workHistory']);
    const anomalies = ledger.anomalies();
    expect(anomalies.map((a) => a.code)).toEqual(['uncorrelated']);
    expect(anomalies[0].message).toContain('r-unknown');
    expect(anomalies[0].kind).toBe('proof-of-payment');
    expect(ledger.snapshot().anomalies).toEqual(anomalies);
  });

  it('a requestId tied to one session does not pull the record into another', () => {
    const other = hook('work-history', 1, { interviewId: 'b2', requestId: 'r-8', workHistory: {} });
    const ledger = ledgerOf([workHistory, other, proof]);
    expect(ledger.view('a1')?.fetchable).toContain('proofOfPayment');
    expect(ledger.view('b2')?.fetchable).toEqual(['workHistory']);
  });

  const enrolled = hook('identity-enrolled', 1, { interviewId: 'a1', identityId: 'id-5' });
  const faceAuth = hook('face-authentication', 2, { identityId: 'id-5', success: true });

  it('a face authentication by identity id joins the session that enrolled the identity', () => {
    const ledger = ledgerOf([enrolled, faceAuth]);
    expect(ledger.view('a1')?.fetchable).toEqual(['faceAuthentication']);
    expect(ledger.anomalies()).toEqual([]);
  });

  it('a face authentication received before the enrollment joins the session once it is known', () => {
    const ledger = ledgerOf([faceAuth, enrolled]);
    expect(ledger.view('a1')?.fetchable).toEqual(['faceAuthentication']);
    expect(ledger.anomalies()).toEqual([]);
  });

  it('a face authentication whose identity is never tied to a session is reported uncorrelated', () => {
    const ledger = ledgerOf([enrolled, hook('face-authentication', 2, { identityId: 'id-404', success: true })]);
    expect(ledger.view('a1')?.fetchable).toEqual([]);
    expect(ledger.anomalies().map((a) => a.code)).toEqual(['uncorrelated']);
    expect(ledger.anomalies()[0].message).toContain('id-404');
  });

  it('a record naming no session and no id leading to one is reported uncorrelated, creating no session', () => {
    const ledger = ledgerOf([hook('work-history', 1, { workHistory: {} })]);
    expect(ledger.size).toBe(0);
    expect(ledger.anomalies().map((a) => a.code)).toEqual(['uncorrelated']);
    expect(ledger.anomalies()[0].kind).toBe('work-history');
  });

  it('a line that is not JSON is reported at the top level with its line number', () => {
    const ledger = new Ledger();
    ledger.addLine('this is not json', { line: 28 });
    expect(ledger.size).toBe(0);
    expect(ledger.snapshot().sessions).toEqual([]);
    expect(ledger.snapshot().anomalies).toMatchObject([{ code: 'invalid-payload', source: { line: 28 } }]);
  });

  it('a record refused for its envelope is reported on the session its body names', () => {
    const ledger = ledgerOf([{ kind: 'video-selfie', receivedAt: 'soon', body: { interviewId: 'a1' } }]);
    expect(ledger.anomalies()).toEqual([]);
    const view = ledger.view('a1');
    expect(view?.fetchable).toEqual([]);
    expect(view?.anomalies.map((a) => a.code)).toEqual(['invalid-payload']);
    expect(view?.anomalies[0].field).toBe('receivedAt');
  });

  it('records of different sessions stay apart', () => {
    const ledger = ledgerOf([status(1, 'ONBOARDING_FINISHED', 'a1'), status(2, 'ID_VALIDATION_FINISHED', 'b2')]);
    expect(ledger.sessionIds()).toEqual(['a1', 'b2']);
    expect(ledger.view('a1')?.status).toBe('ONBOARDING_FINISHED');
    expect(ledger.view('b2')?.status).toBe('ID_VALIDATION_FINISHED');
    expect(ledger.view('zz')).toBeUndefined();
  });
});

describe('anomalies of the delivery order', () => {
  it('a retried copy of a webhook is a duplicate and changes nothing', () => {
    const original = status(1, 'FACE_VALIDATION_FINISHED');
    const once = viewOf([original]);
    const twice = viewOf([original, status(40, 'FACE_VALIDATION_FINISHED')]);
    expect(codes(twice)).toEqual(['duplicate']);
    expect(twice.anomalies[0].message).toContain(t(1));
    expect(twice).toMatchObject({ status: once.status, decision: once.decision, fetchable: once.fetchable });
    expect(twice.records).toBe(1);
  });

  it('a retried copy read before the original is still one duplicate, counted at the earliest time', () => {
    const view = viewOf([
      status(1, 'ONBOARDING_FINISHED'),
      status(50, 'MANUAL_REVIEW_APPROVED'),
      status(20, 'MANUAL_REVIEW_APPROVED'),
    ]);
    expect(codes(view).filter((c) => c === 'duplicate')).toHaveLength(1);
    expect(view.modules.scores?.refetch).toMatchObject({ count: 1, after: t(20) });
  });

  it('the very same record applied twice is applied once, without a duplicate anomaly', () => {
    const record = status(1, 'FACE_VALIDATION_FINISHED');
    const view = viewOf([record, record]);
    expect(view.anomalies).toEqual([]);
    expect(view.records).toBe(1);
  });

  it('the same status in another body (a retry with an extra field) is a duplicate', () => {
    const view = viewOf([
      status(1, 'FACE_VALIDATION_FINISHED'),
      status(2, 'FACE_VALIDATION_FINISHED', 'a1', { clientId: 'acme' }),
    ]);
    expect(codes(view)).toEqual(['duplicate']);
  });

  it.each<[string, OnboardingStatus]>([
    ['POST_PROCESSING_FINISHED', 'POST_PROCESSING_FINISHED'],
    ['ID_VALIDATION_FINISHED_SECOND_ID', 'ID_VALIDATION_FINISHED_SECOND_ID'],
    ['ONBOARDING_FINISHED', 'ONBOARDING_FINISHED'],
  ])('ID_VALIDATION_FINISHED after %s, which implied it, is a late delivery', (_label, implier) => {
    const view = viewOf([status(1, implier), status(2, 'ID_VALIDATION_FINISHED')]);
    expect(codes(view)).toEqual(['late-delivery']);
    expect(view.anomalies[0].message).toContain(implier);
    expect(view.status).toBe(implier);
  });

  it('ONBOARDING_FINISHED after a manual-review status is a late delivery', () => {
    const view = viewOf([status(1, 'MANUAL_REVIEW_APPROVED'), status(2, 'ONBOARDING_FINISHED')]);
    expect(codes(view)).toEqual(['late-delivery']);
  });

  it('statuses arriving in the SPEC order are not late', () => {
    const view = viewOf([
      status(1, 'ID_VALIDATION_FINISHED'),
      status(2, 'POST_PROCESSING_FINISHED'),
      status(3, 'ONBOARDING_FINISHED'),
      status(4, 'MANUAL_REVIEW_APPROVED'),
    ]);
    expect(view.anomalies).toEqual([]);
  });

  it('session-started after the session succeeded, or after its link was resumed, is a late delivery', () => {
    expect(codes(viewOf([hook('session-succeeded', 2), hook('session-started', 3)]))).toEqual(['late-delivery']);
    expect(codes(viewOf([hook('session-progress', 2), hook('session-started', 3)]))).toEqual(['late-delivery']);
  });

  it('session-pending-review after the session succeeded is a late delivery and does not reopen the decision', () => {
    const view = viewOf([hook('session-succeeded', 2), hook('session-pending-review', 3)]);
    expect(codes(view)).toEqual(['late-delivery']);
    expect(view.decision).toBe('approved');
  });

  it('a poll answering an earlier status than known is a stale poll and moves nothing back', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED'), poll(0.5, 3, 'FACE_VALIDATION_FINISHED')]);
    expect(codes(view)).toEqual(['stale-poll']);
    expect(view.anomalies[0].message).toContain('FACE_VALIDATION_FINISHED');
    expect(view.anomalies[0].message).toContain('ONBOARDING_FINISHED');
    expect(view.status).toBe('ONBOARDING_FINISHED');
  });

  it('a poll answering UNKNOWN once a status is known is a stale poll', () => {
    expect(codes(viewOf([status(1, 'ID_VALIDATION_FINISHED'), poll(2, 2.3, 'UNKNOWN')]))).toEqual(['stale-poll']);
  });

  it('an older decision poll answered after a newer one is a stale poll', () => {
    const view = viewOf([poll(3, 3.5, 'MANUAL_REVIEW_APPROVED'), poll(2, 10, 'MANUAL_REVIEW_REJECTED')]);
    expect(codes(view)).toEqual(['stale-poll']);
  });

  it('a status arriving after the decision was settled is after-terminal, and the decision holds', () => {
    const view = viewOf([hook('session-succeeded', 1), status(2, 'FACE_VALIDATION_FINISHED')]);
    expect(codes(view)).toEqual(['after-terminal']);
    expect(view.decision).toBe('approved');
    expect(view.status).toBe('FACE_VALIDATION_FINISHED');
  });

  it('a session link resumed after the session succeeded is after-terminal', () => {
    expect(codes(viewOf([hook('session-succeeded', 1), hook('session-progress', 2)]))).toEqual(['after-terminal']);
  });

  it('each record that disagrees with the decision in force is a conflicting-decision naming the other side', () => {
    const view = viewOf([
      status(1, 'MANUAL_REVIEW_APPROVED'),
      hook('session-failed', 2),
      status(3, 'MANUAL_REVIEW_REJECTED'),
    ]);
    expect(codes(view)).toEqual(['conflicting-decision', 'conflicting-decision']);
    const [failed, rejected] = view.anomalies;
    expect(failed.severity).toBe('error');
    expect(failed.kind).toBe('session-failed');
    expect(failed.message).toMatch(
      /^session-failed, disagreeing with MANUAL_REVIEW_APPROVED at .*; the decision is a conflict/,
    );
    expect(rejected.message).toMatch(/^MANUAL_REVIEW_REJECTED, disagreeing with MANUAL_REVIEW_APPROVED at /);
  });

  it('a poll that overrules a decision is reported, saying it settles it; a later disagreement is reported again', () => {
    const view = viewOf([
      hook('session-succeeded', 1),
      hook('session-failed', 2),
      poll(5, 5.4, 'MANUAL_REVIEW_APPROVED'),
      status(9, 'MANUAL_REVIEW_REJECTED'),
    ]);
    expect(codes(view)).toEqual(['conflicting-decision', 'conflicting-decision', 'conflicting-decision']);
    expect(view.anomalies[1].message).toMatch(
      /^poll sent at .*10:00:05.000Z reported MANUAL_REVIEW_APPROVED, disagreeing with session-failed at .*; it settles the decision as approved$/,
    );
    expect(view.anomalies[2].message).toMatch(
      /^MANUAL_REVIEW_REJECTED, disagreeing with MANUAL_REVIEW_APPROVED \(poll\)/,
    );
    expect(view.decision).toBe('conflict');
    expect(view.anomalies.some((anomaly) => anomaly.settled)).toBe(false);
  });

  it('a poll overruling a lone rejection leaves a conflicting-decision that says the poll settled it', () => {
    const view = viewOf([status(1, 'MANUAL_REVIEW_REJECTED'), poll(5, 5.4, 'MANUAL_REVIEW_APPROVED')]);
    expect(view.decision).toBe('approved');
    expect(codes(view)).toEqual(['conflicting-decision']);
    expect(view.anomalies[0].message).toMatch(
      /reported MANUAL_REVIEW_APPROVED, disagreeing with MANUAL_REVIEW_REJECTED at .*; it settles the decision as approved/,
    );
    expect(view.anomalies[0].settled).toBe(true);
  });

  it('a conflict a later poll settled says by which poll, and is marked settled', () => {
    const view = viewOf([
      status(1, 'MANUAL_REVIEW_APPROVED'),
      status(2, 'MANUAL_REVIEW_REJECTED'),
      poll(5, 5.4, 'MANUAL_REVIEW_REJECTED'),
    ]);
    expect(view.decision).toBe('rejected');
    expect(codes(view)).toEqual(['conflicting-decision', 'conflicting-decision']);
    expect(view.anomalies[0].message).toMatch(/settled since by the poll sent at .*10:00:05.000Z \(rejected\)$/);
    expect(view.anomalies[1].message).toMatch(
      /disagreeing with MANUAL_REVIEW_APPROVED at .*; it settles the decision as rejected$/,
    );
    expect(view.anomalies.map((anomaly) => anomaly.settled)).toEqual([true, true]);
  });

  it('deprecated webhooks are applied and reported as deprecated-webhook', () => {
    const view = viewOf([
      hook('authentication', 1, { interviewId: 'a1', customerId: 'c-1', overallStatus: 'PASS' }),
      hook('ine-scraping', 2, { InterviewId: 'a1', ScrapingStatus: 'FINISHED' }),
    ]);
    expect(codes(view)).toEqual(['deprecated-webhook', 'deprecated-webhook']);
    expect(view.fetchable).toEqual(['scores']);
  });

  it('an unknown kind is kept on its session and reported as unknown-kind', () => {
    const view = viewOf([hook('shiny-new-webhook', 1, { interviewId: 'a1' })]);
    expect(codes(view)).toEqual(['unknown-kind']);
    expect(view.fetchable).toEqual([]);
  });

  it('each anomaly points at the record it is about', () => {
    const view = viewOf([status(1, 'ONBOARDING_FINISHED'), status(2, 'ID_VALIDATION_FINISHED')]);
    expect(view.anomalies[0]).toMatchObject({
      code: 'late-delivery',
      kind: 'onboarding-status',
      receivedAt: t(2),
      source: { line: 2 },
    });
  });
});
