/**
 * Realistic histories for the laws: sessions generated from a model of flows (optional modules,
 * flow-dependent middle order, manual review approved, rejected or reversed, abandoned sessions),
 * then delivered the way the vendor does: late, retried, with stale polls in between.
 */
import fc from 'fast-check';
import { BASE, type Rec } from './records.js';

type DeliveryRecord = Rec;

/**
 * A time in ISO 8601 with one of a few offsets (`Z`, `+05:45`, `-03:30`, …): the same instant
 * written as different receivers' clocks write it. The core must read them all alike.
 */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  if (offsetMinutes === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const OFFSETS = [0, 0, 0, 60, 345, -210, -480, 840];
const iso = (ms: number) => isoWithOffset(ms, OFFSETS[Math.abs(Math.floor(ms / 1000)) % OFFSETS.length]);

/** One vendor-side fact, at the moment the vendor emitted it. */
interface Emitted {
  readonly kind: string;
  readonly at: number;
  readonly body: Record<string, unknown>;
}

type Review = 'none' | 'pending' | 'approved' | 'rejected' | 'reversed' | 'session-ok' | 'session-fail';

interface SessionPlan {
  readonly id: boolean;
  readonly secondId: boolean;
  readonly postProcessing: boolean;
  readonly face: boolean;
  readonly government: boolean;
  readonly middleOrder: readonly number[];
  readonly finished: boolean;
  readonly review: Review;
  readonly pendingFirst: boolean;
  readonly started: boolean;
  readonly resumed: boolean;
  readonly videoSelfie: boolean;
  readonly watchlistUpdates: number;
  readonly faceAuths: readonly boolean[];
  readonly mexican: boolean;
  readonly authentication: boolean;
  readonly ine: 0 | 1 | 2;
  readonly gaps: readonly number[];
  readonly polls: readonly number[];
  readonly settlingPoll: boolean;
}

const planArb: fc.Arbitrary<SessionPlan> = fc.record({
  id: fc.boolean(),
  secondId: fc.boolean(),
  postProcessing: fc.boolean(),
  face: fc.boolean(),
  government: fc.boolean(),
  middleOrder: fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
  finished: fc.boolean(),
  review: fc.constantFrom<Review>('none', 'pending', 'approved', 'rejected', 'reversed', 'session-ok', 'session-fail'),
  pendingFirst: fc.boolean(),
  started: fc.boolean(),
  resumed: fc.boolean(),
  videoSelfie: fc.boolean(),
  watchlistUpdates: fc.nat(3),
  faceAuths: fc.array(fc.boolean(), { maxLength: 2 }),
  mexican: fc.boolean(),
  authentication: fc.boolean(),
  ine: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  gaps: fc.array(
    fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 90 }) }),
    { minLength: 40, maxLength: 40 },
  ),
  polls: fc.array(fc.integer({ min: 0, max: 1200 }), { maxLength: 3 }),
  settlingPoll: fc.boolean(),
});

/** The correlation ids a session's records carry: its own, or (to test ambiguity) another's. */
interface CorrelationIds {
  readonly request: string;
  readonly identity: string;
}

/** The vendor's side of one session: what it emitted, in order, with emission times. */
function emit(interviewId: string, start: number, plan: SessionPlan, ids: CorrelationIds): Emitted[] {
  const out: Emitted[] = [];
  let t = start;
  let gap = 0;
  const next = () => {
    t += plan.gaps[gap++ % plan.gaps.length] * 1000;
    return t;
  };
  const status = (onboardingStatus: string) =>
    out.push({ kind: 'onboarding-status', at: next(), body: { interviewId, onboardingStatus, flowId: 'flow-1' } });
  const session = (kind: string) => out.push({ kind, at: next(), body: { interviewId } });
  if (plan.started) session('session-started');
  if (plan.resumed) session('session-progress');
  if (plan.id) status('ID_VALIDATION_FINISHED');
  if (plan.id && plan.secondId) status('ID_VALIDATION_FINISHED_SECOND_ID');
  if (plan.id && plan.postProcessing) status('POST_PROCESSING_FINISHED');
  const middle = [
    plan.face ? 'FACE_VALIDATION_FINISHED' : undefined,
    plan.government ? 'GOVERNMENT_VALIDATION_FINISHED' : undefined,
    plan.videoSelfie ? 'video-selfie' : undefined,
  ];
  for (const index of plan.middleOrder) {
    const item = middle[index];
    if (item === 'video-selfie')
      out.push({ kind: item, at: next(), body: { interviewId, clientId: 'acme', flowId: 'flow-1' } });
    else if (item) status(item);
  }
  if (plan.mexican) {
    out.push({
      kind: 'work-history',
      at: next(),
      body: { interviewId, requestId: ids.request, workHistory: { jobs: 2 } },
    });
    out.push({ kind: 'proof-of-payment', at: next(), body: { requestId: ids.request, totalCfdi: '10.00' } });
  }
  if (plan.faceAuths.length > 0)
    out.push({ kind: 'identity-enrolled', at: next(), body: { interviewId, identityId: ids.identity } });
  for (const success of plan.faceAuths) {
    out.push({ kind: 'face-authentication', at: next(), body: { identityId: ids.identity, success } });
  }
  if (plan.authentication) {
    out.push({
      kind: 'authentication',
      at: next(),
      body: { interviewId, customerId: ids.identity, overallStatus: 'PASS' },
    });
  }
  if (plan.ine > 0)
    out.push({ kind: 'ine-scraping', at: next(), body: { InterviewId: interviewId, ScrapingStatus: 'IN_PROGRESS' } });
  if (plan.ine > 1)
    out.push({ kind: 'ine-scraping', at: next(), body: { InterviewId: interviewId, ScrapingStatus: 'FINISHED' } });
  for (let i = 0; i < plan.watchlistUpdates; i++) {
    out.push({ kind: 'watchlist', at: next(), body: { interviewId, ref: `${interviewId}-wl`, search_id: 7 } });
  }
  if (!plan.finished) return out;
  status('ONBOARDING_FINISHED');
  if (plan.review === 'none') return out;
  if (plan.pendingFirst || plan.review === 'pending') session('session-pending-review');
  switch (plan.review) {
    case 'approved':
      status('MANUAL_REVIEW_APPROVED');
      break;
    case 'rejected':
      status('MANUAL_REVIEW_REJECTED');
      break;
    case 'reversed':
      status('MANUAL_REVIEW_APPROVED');
      status('MANUAL_REVIEW_REJECTED');
      break;
    case 'session-ok':
      session('session-succeeded');
      break;
    case 'session-fail':
      session('session-failed');
      break;
    case 'pending':
      break;
  }
  return out;
}

/** The status the vendor would report at a moment: the last onboarding status emitted by then. */
function statusAt(emitted: readonly Emitted[], at: number): string {
  let status = 'UNKNOWN';
  for (const item of emitted) {
    if (item.kind === 'onboarding-status' && item.at <= at) status = item.body.onboardingStatus as string;
  }
  return status;
}

interface Delivery {
  readonly delay: number;
  readonly retries: number;
}

const deliveryArb: fc.Arbitrary<Delivery> = fc.record({
  delay: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 180 }) }),
  retries: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
});

/** A history: the records one or more sessions produced, in the order they were received. */
export interface History {
  readonly records: readonly DeliveryRecord[];
  readonly sessions: readonly string[];
}

/** Deliver what the vendor emitted: delays, retries (30 s, then ×2.5), polls with their lag. */
function deliver(
  interviewId: string,
  emitted: readonly Emitted[],
  plan: SessionPlan,
  deliveries: readonly Delivery[],
): DeliveryRecord[] {
  const records: DeliveryRecord[] = [];
  emitted.forEach((item, index) => {
    const { delay, retries } = deliveries[index % deliveries.length];
    let receivedAt = item.at + delay * 1000;
    let backoff = 30_000;
    for (let copy = 0; copy <= retries; copy++) {
      records.push({ kind: item.kind, receivedAt: iso(receivedAt), body: item.body });
      receivedAt += backoff;
      backoff *= 2.5;
    }
  });
  const start = emitted[0]?.at ?? BASE;
  const end = emitted[emitted.length - 1]?.at ?? BASE;
  const pollTimes = [...plan.polls.map((offset) => start + offset * 1000)];
  if (plan.settlingPoll) pollTimes.push(end + 5_000);
  for (const requestedAt of pollTimes) {
    records.push({
      kind: 'poll',
      interviewId,
      requestedAt: iso(requestedAt),
      receivedAt: iso(requestedAt + 400),
      body: { onboardingStatus: statusAt(emitted, requestedAt) },
    });
  }
  return records.sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
}

/** Noise a real log has: unknown statuses, unknown kinds, invalid bodies. */
const noiseArb = (interviewId: string): fc.Arbitrary<DeliveryRecord[]> =>
  fc.array(
    fc.constantFrom<DeliveryRecord>(
      {
        kind: 'onboarding-status',
        receivedAt: iso(BASE + 7_000),
        body: { interviewId, onboardingStatus: 'SOME_FUTURE_STATUS' },
      },
      { kind: 'future-webhook', receivedAt: iso(BASE + 8_000), body: { interviewId } },
      { kind: 'watchlist', receivedAt: iso(BASE + 9_000), body: { interviewId } },
      { kind: 'onboarding-status', receivedAt: iso(BASE + 9_500), body: { interviewId, onboardingStatus: 7 } },
    ),
    { maxLength: 2 },
  );

/**
 * Histories of one to three sessions, in the order received. A later session sometimes carries
 * the first one's correlation ids (a `requestId` or identity id shared by two sessions), so
 * records naming no session can be ambiguous.
 */
export const historyArb: fc.Arbitrary<History> = fc
  .array(
    fc.tuple(
      planArb,
      fc.array(deliveryArb, { minLength: 8, maxLength: 8 }),
      fc.integer({ min: 0, max: 600 }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .chain((plans) => {
    const sessions = plans.map((_, index) => `s${index + 1}`);
    return fc.tuple(...sessions.map((id) => noiseArb(id))).map((noise) => {
      const records = plans.flatMap(([plan, deliveries, offset, shares], index) => {
        const interviewId = sessions[index];
        const owner = shares ? sessions[0] : interviewId;
        const ids = { request: `${owner}-r`, identity: `${owner}-who` };
        return [
          ...deliver(interviewId, emit(interviewId, BASE + offset * 1000, plan, ids), plan, deliveries),
          ...noise[index],
        ];
      });
      return { records, sessions };
    });
  });

/** A history and a permutation of its records (`shuffledSubarray` with full length). */
export const permutedHistoryArb: fc.Arbitrary<{ history: History; permuted: readonly DeliveryRecord[] }> =
  historyArb.chain((history) =>
    fc
      .shuffledSubarray([...history.records], { minLength: history.records.length, maxLength: history.records.length })
      .map((permuted) => ({ history, permuted })),
  );

/** A history cut into 2–4 pieces (each record in one piece), and an order to merge the pieces. */
export const splitHistoryArb: fc.Arbitrary<{ history: History; pieces: readonly (readonly DeliveryRecord[])[] }> =
  historyArb.chain((history) =>
    fc.integer({ min: 2, max: 4 }).chain((count) =>
      fc
        .tuple(
          fc.array(fc.nat(count - 1), { minLength: history.records.length, maxLength: history.records.length }),
          fc.shuffledSubarray(
            Array.from({ length: count }, (_, i) => i),
            { minLength: count, maxLength: count },
          ),
        )
        .map(([assignment, order]) => ({
          history,
          pieces: order.map((piece) => history.records.filter((_, index) => assignment[index] === piece)),
        })),
    ),
  );
