import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import {
  activityOf,
  backoffDelay,
  DEFAULT_POLL_POLICY,
  noteAttempt,
  type PollPolicy,
  planPoll,
} from '../../src/core/schedule.js';
import type { RawDeliveryRecord as DeliveryRecord } from '../../src/records/record.js';
import { BASE, poll as pollRecord, status } from '../support/records.js';

// Times here are milliseconds after BASE: the schedule works in milliseconds.
const T0 = BASE;
const webhook = (ms: number, onboardingStatus: string, id = 'a1'): DeliveryRecord =>
  status(ms / 1000, onboardingStatus, id);
const poll = (ms: number, onboardingStatus: string, id = 'a1'): DeliveryRecord =>
  pollRecord(ms / 1000, (ms + 100) / 1000, onboardingStatus, id);

/** No jitter, so delays can be read off exactly. */
const EXACT: PollPolicy = { ...DEFAULT_POLL_POLICY, jitter: 0 };

function planFor(records: DeliveryRecord[], now: number, policy: PollPolicy = EXACT, failures = undefined) {
  const ledger = new Ledger();
  for (const record of records) ledger.addRaw(record);
  const view = ledger.view('a1');
  if (view === undefined) throw new Error('no view');
  return planPoll(view, activityOf(records), failures, T0 + now, policy);
}

describe('the poll schedule', () => {
  it('polls a fresh session one base delay after its latest webhook', () => {
    expect(planFor([webhook(0, 'ID_VALIDATION_FINISHED')], 0)).toEqual({
      poll: true,
      at: T0 + 30_000,
      reason: 'backoff',
    });
  });

  it('doubles the delay with each answered poll, up to the cap', () => {
    const records = [webhook(0, 'ID_VALIDATION_FINISHED')];
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 8; i++) {
      const plan = planFor(records, now);
      if (!plan.poll) throw new Error('stopped');
      delays.push(plan.at - T0 - now);
      now = plan.at - T0;
      records.push(poll(now, 'ID_VALIDATION_FINISHED'));
    }
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });

  it('resets the backoff when a webhook for the session arrives', () => {
    const records = [webhook(0, 'ID_VALIDATION_FINISHED'), poll(30_000, 'ID_VALIDATION_FINISHED')];
    records.push(poll(90_000, 'ID_VALIDATION_FINISHED'), poll(210_000, 'ID_VALIDATION_FINISHED'));
    expect(planFor(records, 210_000)).toMatchObject({ at: T0 + 210_000 + 240_000 });
    records.push(webhook(250_000, 'FACE_VALIDATION_FINISHED'));
    expect(planFor(records, 250_000)).toMatchObject({ at: T0 + 250_000 + 30_000, reason: 'backoff' });
  });

  it('stops at a terminal decision and makes no plan to poll it again', () => {
    const records = [webhook(0, 'ONBOARDING_FINISHED'), webhook(5_000, 'MANUAL_REVIEW_APPROVED')];
    expect(planFor(records, 5_000)).toEqual({ poll: false, reason: 'terminal' });
    expect(planFor(records, 10 * 86_400_000)).toEqual({ poll: false, reason: 'terminal' });
  });

  it('stops for a session idle past the horizon, and not before', () => {
    const records = [webhook(0, 'FACE_VALIDATION_FINISHED')];
    const horizon = DEFAULT_POLL_POLICY.idleMillis;
    expect(planFor(records, horizon)).toMatchObject({ poll: true });
    expect(planFor(records, horizon + 1)).toEqual({ poll: false, reason: 'idle' });
  });

  it('polls at once to settle a conflicting decision, then backs off if the poll did not settle it', () => {
    const records = [
      webhook(0, 'ONBOARDING_FINISHED'),
      webhook(1_000, 'MANUAL_REVIEW_APPROVED'),
      webhook(2_000, 'MANUAL_REVIEW_REJECTED'),
    ];
    // The millisecond after the latest webhook: a poll settles only what was received before it was sent.
    expect(planFor(records, 2_000)).toEqual({ poll: true, at: T0 + 2_001, reason: 'reconcile' });
    // A poll sent in the very millisecond of the latest webhook does not settle it: it is asked again.
    expect(planFor([...records, poll(2_000, 'MANUAL_REVIEW_APPROVED')], 2_000)).toEqual({
      poll: true,
      at: T0 + 3_000,
      reason: 'reconcile',
    });
    // A poll sent before the conflict was known does not count: as soon as the minimum gap allows.
    expect(planFor([...records, poll(1_500, 'MANUAL_REVIEW_APPROVED')], 2_000)).toMatchObject({
      at: T0 + 1_500 + 1_000,
      reason: 'reconcile',
    });
    // The vendor answered a status that settles nothing: the conflict stays, polls back off.
    const unsettled = [...records, poll(2_001, 'ONBOARDING_FINISHED')];
    expect(planFor(unsettled, 2_200)).toEqual({ poll: true, at: T0 + 2_001 + 60_000, reason: 'backoff' });
  });

  it('settles: after a poll that reports the decision the session is terminal', () => {
    const records = [
      webhook(0, 'ONBOARDING_FINISHED'),
      webhook(1_000, 'MANUAL_REVIEW_APPROVED'),
      webhook(2_000, 'MANUAL_REVIEW_REJECTED'),
      poll(2_001, 'MANUAL_REVIEW_REJECTED'),
    ];
    expect(planFor(records, 2_200)).toEqual({ poll: false, reason: 'terminal' });
  });

  it('a conflict is polled even past the idle horizon', () => {
    const records = [
      webhook(0, 'ONBOARDING_FINISHED'),
      webhook(1_000, 'MANUAL_REVIEW_APPROVED'),
      webhook(2_000, 'MANUAL_REVIEW_REJECTED'),
    ];
    expect(planFor(records, DEFAULT_POLL_POLICY.idleMillis * 3)).toMatchObject({ poll: true, reason: 'reconcile' });
  });

  it('backs off on 5xx and timeouts, from the error base, growing with each failure', () => {
    const records = [webhook(0, 'ID_VALIDATION_FINISHED')];
    let failures = noteAttempt(undefined, { requestedAt: T0 + 30_000, answered: false });
    const plans = [];
    for (let i = 0; i < 4; i++) {
      const plan = planPoll(
        { interviewId: 'a1', terminal: false, pollRequested: false },
        activityOf(records),
        failures,
        T0 + 30_000,
        EXACT,
      );
      if (!plan.poll) throw new Error('stopped');
      plans.push([plan.at - (failures?.lastAttemptAt ?? 0), plan.reason]);
      failures = noteAttempt(failures, { requestedAt: plan.at, answered: false });
    }
    expect(plans).toEqual([
      [5_000, 'error-backoff'],
      [10_000, 'error-backoff'],
      [20_000, 'error-backoff'],
      [40_000, 'error-backoff'],
    ]);
    // An answer clears the failures: back to the normal schedule.
    expect(noteAttempt(failures, { requestedAt: T0 + 200_000, answered: true })).toBeUndefined();
  });

  it('honours Retry-After when it asks for longer than the backoff', () => {
    const records = [webhook(0, 'ID_VALIDATION_FINISHED')];
    const view = { interviewId: 'a1', terminal: false, pollRequested: false };
    const long = noteAttempt(
      undefined,
      { requestedAt: T0 + 30_000, answered: false, retryAfterMillis: 120_000 },
      T0 + 30_200,
    );
    expect(planPoll(view, activityOf(records), long, T0 + 30_200, EXACT)).toEqual({
      poll: true,
      at: T0 + 30_200 + 120_000,
      reason: 'retry-after',
    });
    const short = noteAttempt(undefined, { requestedAt: T0 + 30_000, answered: false, retryAfterMillis: 1_000 });
    expect(planPoll(view, activityOf(records), short, T0 + 30_200, EXACT)).toMatchObject({
      at: T0 + 35_000,
      reason: 'error-backoff',
    });
  });

  it('a conflict does not override the backoff of a failing vendor', () => {
    const view = { interviewId: 'a1', terminal: false, pollRequested: true };
    const failures = noteAttempt(undefined, { requestedAt: T0 + 10_000, answered: false, retryAfterMillis: 60_000 });
    const activity = activityOf([webhook(9_000, 'MANUAL_REVIEW_REJECTED')]);
    expect(planPoll(view, activity, failures, T0 + 10_000, EXACT)).toMatchObject({
      at: T0 + 70_000,
      reason: 'retry-after',
    });
  });

  it('never plans two attempts closer than the minimum gap', () => {
    const policy: PollPolicy = { ...EXACT, baseMillis: 0, errorBaseMillis: 0, minGapMillis: 750 };
    const records = [webhook(0, 'ONBOARDING_FINISHED'), poll(100, 'ONBOARDING_FINISHED')];
    expect(planFor(records, 100, policy)).toMatchObject({ at: T0 + 850 });
    const view = { interviewId: 'a1', terminal: false, pollRequested: true };
    const failures = noteAttempt(undefined, { requestedAt: T0 + 900, answered: false });
    expect(planPoll(view, activityOf(records), failures, T0 + 900, policy)).toMatchObject({ at: T0 + 1_650 });
  });

  it('jitter is deterministic per session, shortens delays by at most its fraction, and spreads sessions', () => {
    const policy = DEFAULT_POLL_POLICY;
    const delays = Array.from({ length: 50 }, (_, i) => backoffDelay(policy, 30_000, 0, `s${i}`));
    expect(delays).toEqual(Array.from({ length: 50 }, (_, i) => backoffDelay(policy, 30_000, 0, `s${i}`)));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(30_000 * (1 - policy.jitter));
      expect(delay).toBeLessThanOrEqual(30_000);
    }
    expect(new Set(delays).size).toBeGreaterThan(40);
  });

  it('reads activity from records in any order, counting only polls sent after the latest webhook', () => {
    const records = [
      poll(50_000, 'FACE_VALIDATION_FINISHED'),
      webhook(40_000, 'FACE_VALIDATION_FINISHED'),
      poll(20_000, 'ID_VALIDATION_FINISHED'),
      webhook(1_000, 'ID_VALIDATION_FINISHED'),
      poll(70_000, 'FACE_VALIDATION_FINISHED'),
      { kind: 'poll', interviewId: 'a1', receivedAt: 'not a time', body: {} },
    ];
    expect(activityOf(records)).toEqual({
      firstSeenAt: T0 + 1_000,
      lastWebhookAt: T0 + 40_000,
      lastPollAt: T0 + 70_000,
      pollsSinceWebhook: 2,
    });
  });

  const views = fc.record({
    interviewId: fc.string({ minLength: 1, maxLength: 8 }),
    terminal: fc.boolean(),
    pollRequested: fc.boolean(),
  });
  const times = fc.integer({ min: 0, max: 7 * 86_400_000 });
  const activities = fc
    .record({
      firstSeenAt: times,
      lastWebhookAt: fc.option(times, { nil: undefined }),
      lastPollAt: fc.option(times, { nil: undefined }),
      pollsSinceWebhook: fc.integer({ min: 0, max: 60 }),
    })
    .map((a) => ({ ...a, firstSeenAt: Math.min(a.firstSeenAt, a.lastWebhookAt ?? a.firstSeenAt) }));
  const failureSets = fc.option(
    fc.record({
      count: fc.integer({ min: 1, max: 40 }),
      lastAttemptAt: times,
      notBefore: fc.option(times, { nil: undefined }),
    }),
    { nil: undefined },
  );

  test.prop([views, activities, failureSets, times])(
    'never a hot loop: a planned poll is never sooner than the minimum gap after the last attempt',
    (view, activity, failures, now) => {
      const plan = planPoll(view, activity, failures, now);
      if (!plan.poll) return;
      const last = Math.max(
        activity.lastPollAt ?? Number.NEGATIVE_INFINITY,
        failures?.lastAttemptAt ?? Number.NEGATIVE_INFINITY,
      );
      expect(plan.at).toBeGreaterThanOrEqual(last + DEFAULT_POLL_POLICY.minGapMillis);
      if (failures?.notBefore !== undefined) expect(plan.at).toBeGreaterThanOrEqual(failures.notBefore);
    },
  );

  test.prop([views, activities, failureSets, times])(
    'a settled terminal session is never polled; a conflict always is; no delay exceeds the cap',
    (view, activity, failures, now) => {
      const plan = planPoll(view, activity, failures, now);
      if (view.pollRequested) expect(plan.poll).toBe(true);
      else if (view.terminal) expect(plan).toEqual({ poll: false, reason: 'terminal' });
      if (plan.poll && plan.reason === 'backoff' && activity.lastPollAt !== undefined) {
        const from = Math.max(activity.lastPollAt, activity.lastWebhookAt ?? activity.firstSeenAt);
        expect(plan.at - from).toBeLessThanOrEqual(
          Math.max(DEFAULT_POLL_POLICY.capMillis, DEFAULT_POLL_POLICY.minGapMillis + activity.lastPollAt - from),
        );
      }
    },
  );
});
