/**
 * The poller against the simulator's status endpoint, in-process (its handler is the `fetch`),
 * on a fake clock: every assertion is on what was requested, stored and planned, never on time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { DEFAULT_POLL_POLICY, type PollPolicy } from '../../src/core/schedule.js';
import { createPoller, type PollerOptions, retryAfterMillis } from '../../src/poller/poller.js';
import { loginAt } from '../../src/poller/token.js';
import { truthOf, type VendorEvent } from '../../src/simulator/scenarios.js';
import { VendorApi } from '../../src/simulator/vendor.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import type { OnboardingStatus } from '../../src/vendor/statuses.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const EXACT: PollPolicy = { ...DEFAULT_POLL_POLICY, jitter: 0 };

let clock = T0;
const now = () => clock;
let store: Store;
let vendor: VendorApi;

beforeEach(() => {
  clock = T0;
  store = createSqliteStore(':memory:');
  vendor = new VendorApi({ now, stalenessSeconds: 0 });
  vendor.acceptToken('exec-token');
});
afterEach(async () => {
  await store.close();
});

/** A vendor session whose status changes at the given seconds after T0. */
function vendorSession(interviewId: string, timeline: readonly (readonly [number, OnboardingStatus])[]): void {
  const events: VendorEvent[] = timeline.map(([at, status]) => ({
    at,
    kind: 'onboarding-status',
    body: { interviewId, onboardingStatus: status },
    status,
  }));
  vendor.add({ interviewId, scenario: 'id-face', events, truth: truthOf(interviewId, 'id-face', events) }, T0);
}

/** Store a webhook as the service would, received at `ms` after T0. */
async function webhook(interviewId: string, onboardingStatus: OnboardingStatus, ms: number): Promise<void> {
  const record = {
    kind: 'onboarding-status',
    receivedAt: new Date(T0 + ms).toISOString(),
    body: { interviewId, onboardingStatus },
  };
  await store.append([{ text: JSON.stringify(record) }]);
}

function poller(options: Partial<PollerOptions> = {}) {
  return createPoller({
    store,
    baseUrl: 'http://127.0.0.1:9/',
    apiKey: 'sim-api-key',
    token: 'exec-token',
    fetch: vendor.fetch,
    now,
    policy: EXACT,
    ...options,
  });
}

async function viewOf(interviewId: string) {
  const ledger = new Ledger();
  for (const stored of await store.sessionRecords(interviewId)) ledger.addRaw(stored.record);
  return ledger.view(interviewId);
}

describe('the poller', () => {
  it('polls a due session with the vendor headers and stores the answer as a poll record', async () => {
    vendorSession('a1', [
      [1, 'ID_VALIDATION_FINISHED'],
      [20, 'FACE_VALIDATION_FINISHED'],
    ]);
    await webhook('a1', 'ID_VALIDATION_FINISHED', 2_000);
    const seen: Headers[] = [];
    const p = poller({
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers));
        return vendor.fetch(input, init);
      },
    });
    clock = T0 + 10_000;
    expect((await p.tick()).polled).toEqual([]);
    clock = T0 + 32_000;
    const round = await p.tick();
    expect(round.polled.map((item) => [item.interviewId, item.outcome.kind])).toEqual([['a1', 'answered']]);
    expect(seen[0]?.get('api-version')).toBe('1.0');
    expect(seen[0]?.get('x-api-key')).toBe('sim-api-key');
    expect(seen[0]?.get('x-incode-hardware-id')).toBe('exec-token');
    const records = (await store.sessionRecords('a1')).map((stored) => stored.record);
    expect(records.at(-1)).toEqual({
      kind: 'poll',
      interviewId: 'a1',
      requestedAt: '2026-11-25T10:00:32.000Z',
      receivedAt: '2026-11-25T10:00:32.000Z',
      body: { onboardingStatus: 'FACE_VALIDATION_FINISHED' },
    });
    expect((await viewOf('a1'))?.status).toBe('FACE_VALIDATION_FINISHED');
    // The next poll backs off: twice the base delay after this one.
    expect(round.plans.get('a1')).toEqual({ poll: true, at: T0 + 32_000 + 60_000, reason: 'backoff' });
  });

  it('makes no request for a terminal session, whatever the time', async () => {
    vendorSession('done', [
      [1, 'ONBOARDING_FINISHED'],
      [2, 'MANUAL_REVIEW_APPROVED'],
    ]);
    await webhook('done', 'MANUAL_REVIEW_APPROVED', 3_000);
    const p = poller();
    for (const ms of [0, 60_000, 3_600_000, 48 * 3_600_000]) {
      clock = T0 + ms;
      const round = await p.tick();
      expect(round.plans.get('done')).toEqual({ poll: false, reason: 'terminal' });
    }
    expect(vendor.requestsFor('done')).toEqual([]);
  });

  it('stops polling once a poll reports a terminal decision', async () => {
    vendorSession('a2', [
      [1, 'ONBOARDING_FINISHED'],
      [40, 'MANUAL_REVIEW_REJECTED'],
    ]);
    await webhook('a2', 'ONBOARDING_FINISHED', 1_000);
    const p = poller();
    clock = T0 + 31_000;
    await p.tick();
    expect(vendor.requestsFor('a2').map((r) => r.answer)).toEqual(['ONBOARDING_FINISHED']);
    clock = T0 + 91_000;
    const round = await p.tick();
    expect(vendor.requestsFor('a2').map((r) => r.answer)).toEqual(['ONBOARDING_FINISHED', 'MANUAL_REVIEW_REJECTED']);
    expect(round.plans.get('a2')).toEqual({ poll: false, reason: 'terminal' });
    clock = T0 + 10 * 3_600_000;
    await p.tick();
    expect(vendor.requestsFor('a2')).toHaveLength(2);
  });

  it('settles a conflicting decision with one poll, at once', async () => {
    vendorSession('c1', [
      [1, 'ONBOARDING_FINISHED'],
      [100, 'MANUAL_REVIEW_APPROVED'],
      [200, 'MANUAL_REVIEW_REJECTED'],
    ]);
    await webhook('c1', 'MANUAL_REVIEW_REJECTED', 201_000);
    await webhook('c1', 'MANUAL_REVIEW_APPROVED', 205_000); // late: the reversal's first decision
    expect((await viewOf('c1'))?.decision).toBe('conflict');
    const p = poller();
    clock = T0 + 205_000;
    // Not in the millisecond of the latest webhook: that poll would settle nothing (law 6).
    expect((await p.tick()).polled).toEqual([]);
    clock = T0 + 205_001;
    const round = await p.tick();
    expect(round.polled.map((item) => item.outcome.kind)).toEqual(['answered']);
    const view = await viewOf('c1');
    expect([view?.decision, view?.status, view?.terminal]).toEqual(['rejected', 'MANUAL_REVIEW_REJECTED', true]);
    expect(round.plans.get('c1')).toEqual({ poll: false, reason: 'terminal' });
  });

  it('a webhook stored between rounds is seen at the next round: a conflict is reconciled at once', async () => {
    vendorSession('c2', [
      [1, 'ONBOARDING_FINISHED'],
      [100, 'MANUAL_REVIEW_APPROVED'],
      [200, 'MANUAL_REVIEW_REJECTED'],
    ]);
    await webhook('c2', 'MANUAL_REVIEW_APPROVED', 101_000);
    // Only new records are re-read between rounds; the full scan happens once.
    const p = poller({ fullScanMillis: Number.POSITIVE_INFINITY });
    clock = T0 + 102_000;
    expect((await p.tick()).plans.get('c2')).toEqual({ poll: false, reason: 'terminal' });
    await webhook('c2', 'MANUAL_REVIEW_REJECTED', 201_000);
    clock = T0 + 201_001;
    const round = await p.tick();
    expect(round.polled.map((item) => [item.interviewId, item.outcome.kind])).toEqual([['c2', 'answered']]);
    expect(await viewOf('c2')).toMatchObject({ decision: 'rejected', terminal: true });
    expect(vendor.requestsFor('c2').map((r) => r.answer)).toEqual(['MANUAL_REVIEW_REJECTED']);
  });

  it('backs off under 5xx: the planned delays grow from the error base, and no request is made before them', async () => {
    vendorSession('e1', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('e1', 'ID_VALIDATION_FINISHED', 1_000);
    vendor.failNext({ kind: 'server-error', status: 503 }, { kind: 'server-error' }, { kind: 'server-error' });
    const p = poller();
    clock = T0 + 31_000;
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const round = await p.tick();
      expect(round.polled.map((item) => item.outcome.kind)).toEqual(['server-error']);
      const plan = round.plans.get('e1');
      if (!plan?.poll) throw new Error('the poller gave up');
      expect(plan.reason).toBe('error-backoff');
      delays.push(plan.at - clock);
      // Just before the planned time: nothing is requested.
      clock = plan.at - 1;
      expect((await p.tick()).polled).toEqual([]);
      clock = plan.at;
    }
    expect(delays).toEqual([5_000, 10_000, 20_000]);
    // The vendor recovers: the answer clears the failures and the normal schedule resumes.
    const round = await p.tick();
    expect(round.polled.map((item) => item.outcome.kind)).toEqual(['answered']);
    expect(p.failures('e1')).toBeUndefined();
    expect(vendor.requestsFor('e1').map((r) => r.answer)).toEqual([503, 500, 500, 'ID_VALIDATION_FINISHED']);
  });

  it('honours 429 with Retry-After', async () => {
    vendorSession('r1', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('r1', 'ID_VALIDATION_FINISHED', 1_000);
    vendor.failNext({ kind: 'rate-limited', retryAfterSeconds: 120 });
    const p = poller();
    clock = T0 + 31_000;
    const round = await p.tick();
    expect(round.polled[0]?.outcome).toEqual({ kind: 'rate-limited', retryAfterMillis: 120_000 });
    expect(round.plans.get('r1')).toEqual({ poll: true, at: T0 + 151_000, reason: 'retry-after' });
    clock = T0 + 150_999;
    expect((await p.tick()).polled).toEqual([]);
    clock = T0 + 151_000;
    expect((await p.tick()).polled.map((item) => item.outcome.kind)).toEqual(['answered']);
  });

  it('backs off on a timeout', async () => {
    vendorSession('t1', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('t1', 'ID_VALIDATION_FINISHED', 1_000);
    vendor.failNext({ kind: 'timeout' });
    const p = poller({ timeoutMillis: 20 });
    clock = T0 + 31_000;
    const round = await p.tick();
    expect(round.polled[0]?.outcome).toEqual({ kind: 'timeout' });
    expect(round.plans.get('t1')).toEqual({ poll: true, at: T0 + 36_000, reason: 'error-backoff' });
    expect(await viewOf('t1')).toMatchObject({ status: 'ID_VALIDATION_FINISHED', records: 1 });
  });

  it('a poll ends at its timeout even when the fetch ignores the abort signal', async () => {
    vendorSession('t2', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('t2', 'ID_VALIDATION_FINISHED', 1_000);
    const p = poller({ timeoutMillis: 20, fetch: () => new Promise<Response>(() => undefined) });
    clock = T0 + 31_000;
    const round = await p.tick();
    expect(round.polled[0]?.outcome).toEqual({ kind: 'timeout' });
    expect(round.plans.get('t2')).toMatchObject({ reason: 'error-backoff' });
  });

  it('does not poll a session idle past the horizon', async () => {
    vendorSession('old', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('old', 'ID_VALIDATION_FINISHED', 1_000);
    const p = poller({ policy: { ...EXACT, idleMillis: 3_600_000 } });
    clock = T0 + 1_000 + 3_600_001;
    const round = await p.tick();
    expect(round.plans.get('old')).toEqual({ poll: false, reason: 'idle' });
    expect(vendor.requestsFor('old')).toEqual([]);
  });

  it('keeps at most `concurrency` polls in flight across sessions', async () => {
    for (let i = 0; i < 12; i++) {
      vendorSession(`s${i}`, [[1, 'ID_VALIDATION_FINISHED']]);
      await webhook(`s${i}`, 'ID_VALIDATION_FINISHED', 1_000);
    }
    let inFlight = 0;
    let most = 0;
    const p = poller({
      concurrency: 3,
      fetch: async (input, init) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        try {
          return await vendor.fetch(input, init);
        } finally {
          inFlight--;
        }
      },
    });
    clock = T0 + 31_000;
    const round = await p.tick();
    expect(round.polled).toHaveLength(12);
    expect(most).toBe(3);
  });

  it('logs in for the executive token, and again when the vendor refuses it', async () => {
    vendorSession('k1', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('k1', 'ID_VALIDATION_FINISHED', 1_000);
    const login = loginAt(
      'http://127.0.0.1:9/executive/log-in',
      { email: 'sim@example.com', password: 'sim-password' },
      'sim-api-key',
      { fetch: vendor.fetch, now },
    );
    const tokens: string[] = [];
    const p = poller({
      token: { login },
      fetch: (input, init) => {
        tokens.push(new Headers(init?.headers).get('x-incode-hardware-id') ?? '');
        return vendor.fetch(input, init);
      },
    });
    clock = T0 + 31_000;
    await p.tick();
    expect(vendor.logins).toBe(1);
    vendor.expireToken(tokens[0] as string);
    clock = T0 + 91_000;
    expect((await p.tick()).polled[0]?.outcome).toEqual({ kind: 'refused', httpStatus: 401 });
    const plan = await p.plan('k1');
    clock = plan?.poll ? plan.at : clock;
    expect((await p.tick()).polled[0]?.outcome.kind).toBe('answered');
    expect(vendor.logins).toBe(2);
    expect(new Set(tokens).size).toBe(2);
  });

  it('in the background, never a hot loop: every sleep is bounded, at most one attempt per session per round', async () => {
    vendorSession('h1', [[1, 'ID_VALIDATION_FINISHED']]);
    await webhook('h1', 'ID_VALIDATION_FINISHED', 1_000);
    // The vendor fails every time: the worst case for a retry loop.
    vendor.failNext(...Array.from({ length: 1_000 }, () => ({ kind: 'server-error' as const })));
    const sleeps: number[] = [];
    let release: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => {
      release = resolve;
    });
    const p = poller({
      minSleepMillis: 50,
      maxSleepMillis: 1_000,
      sleep: async (millis) => {
        sleeps.push(millis);
        clock += millis; // the fake clock moves only when the poller sleeps
        if (sleeps.length === 200) release();
      },
    });
    p.start();
    await enough;
    await p.stop();
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(1_000);
    const requests = vendor.requestsFor('h1');
    expect(requests.length).toBeGreaterThan(3);
    expect(requests.length).toBeLessThanOrEqual(sleeps.length);
    // Each failure waited at least the (growing) error backoff since the previous one.
    const gaps = requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? 0));
    expect(gaps.every((gap) => gap >= 5_000)).toBe(true);
    expect(gaps.at(-1)).toBeGreaterThan(gaps[0] ?? 0);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMillis('120', T0)).toBe(120_000);
    expect(retryAfterMillis('0.25', T0)).toBe(250);
    expect(retryAfterMillis(new Date(T0 + 30_000).toUTCString(), T0)).toBe(30_000);
    expect(retryAfterMillis('soon', T0)).toBeUndefined();
    expect(retryAfterMillis(null, T0)).toBeUndefined();
  });
});
