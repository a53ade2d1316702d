/**
 * The delivery record is typed by kind: a host's typo in a kind, a status or a field fails the
 * compiler (`npm run typecheck` checks every `@ts-expect-error` below still has its error).
 */
import { describe, expect, it } from 'vitest';
import { type DeliveryRecord, Ledger } from '../../src/index.js';

const AT = '2026-11-25T10:00:01.000Z';

describe('DeliveryRecord', () => {
  it('accepts each kind with its own body', () => {
    const records: DeliveryRecord[] = [
      {
        kind: 'onboarding-status',
        receivedAt: AT,
        body: { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' },
      },
      { kind: 'poll', interviewId: 'a1', requestedAt: AT, receivedAt: AT, body: { onboardingStatus: 'UNKNOWN' } },
      {
        kind: 'poll',
        interviewId: 'a1',
        requestedAt: AT,
        receivedAt: AT,
        body: { status: 401, error: 'Unauthorized' },
      },
      { kind: 'watchlist', receivedAt: AT, body: { interviewId: 'a1', ref: 'w-1', search_id: 9 } },
      { kind: 'proof-of-payment', receivedAt: AT, body: { requestId: 'r-1', totalCfdi: '10.00' } },
      { kind: 'session-failed', receivedAt: AT, body: { interviewId: 'a1' } },
      { kind: 'ine-scraping', receivedAt: AT, body: { InterviewId: 'a1', ScrapingStatus: 'FINISHED' } },
    ];
    const ledger = new Ledger();
    for (const record of records) ledger.add(record);
    expect(ledger.view('a1')?.status).toBe('ONBOARDING_FINISHED');
  });

  it('refuses typos at compile time; at run time they are anomalies (addRaw)', () => {
    const typos = [
      // @ts-expect-error: a kind that does not exist
      { kind: 'onboarding-stauts', receivedAt: AT, body: { interviewId: 'a1', onboardingStatus: 'FACE' } },
      // @ts-expect-error: a status that does not exist
      { kind: 'onboarding-status', receivedAt: AT, body: { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISH' } },
      // @ts-expect-error: a misspelled field (interviewID)
      { kind: 'video-selfie', receivedAt: AT, body: { interviewID: 'a1' } },
      // @ts-expect-error: a poll needs its session and when it was sent
      { kind: 'poll', receivedAt: AT, body: { onboardingStatus: 'UNKNOWN' } },
      // @ts-expect-error: the INE scraping's fields have capitals
      { kind: 'ine-scraping', receivedAt: AT, body: { interviewId: 'a1', scrapingStatus: 'FINISHED' } },
    ] satisfies DeliveryRecord[];
    const expected = [
      ['unknown-kind', 'kind'],
      ['unknown-status', 'onboardingStatus'],
      ['invalid-payload', 'interviewId'],
      ['invalid-payload', 'interviewId'],
      ['invalid-payload', 'ScrapingStatus'],
    ];
    typos.forEach((typo, i) => {
      const ledger = new Ledger();
      ledger.addRaw(typo);
      const said = [...ledger.anomalies(), ...ledger.snapshot().sessions.flatMap((view) => view.anomalies)];
      expect(
        said.map((anomaly) => [anomaly.code, anomaly.field]),
        JSON.stringify(typo),
      ).toContainEqual(expected[i]);
    });
  });
});
