/**
 * The sessions the fake vendor generates: realistic flows as data (which statuses, in which
 * order, and which other webhooks), each session's timeline in vendor seconds, and the ground
 * truth it leads to. The truth is computed here from the vendor's documented facts on its own, not by the core,
 * so that a run can check the core.
 */
import type { OnboardingStatus } from '../vendor/statuses.js';
import type { Random } from './random.js';

/** One thing the vendor does in a session, `at` seconds after it started. */
export interface VendorEvent {
  readonly at: number;
  readonly kind: string;
  readonly body: Readonly<Record<string, unknown>>;
  /** The onboarding status the session has from this moment on (what a poll returns). */
  readonly status?: OnboardingStatus;
}

/** What a session must look like once every delivery has settled. */
export interface SessionTruth {
  readonly interviewId: string;
  readonly scenario: ScenarioName;
  readonly status: OnboardingStatus;
  readonly decision: 'none' | 'pending-review' | 'approved' | 'rejected';
  /** Sorted module names safe to fetch (docs/spec.md#modules). */
  readonly fetchable: readonly string[];
}

/** A generated session. */
export interface SimSession {
  readonly interviewId: string;
  readonly scenario: ScenarioName;
  readonly events: readonly VendorEvent[];
  readonly truth: SessionTruth;
}

/** The flows the simulator knows. */
export const SCENARIOS = [
  'id-only',
  'id-face',
  'id-face-government',
  'two-ids',
  'review-approved',
  'review-rejected',
  'review-reversed',
  'abandoned',
  'video-selfie',
  'watchlist',
  'mexico',
  'workflow-succeeded',
  'workflow-failed',
  'face-authentication',
] as const;

/** One flow of `SCENARIOS`. */
export type ScenarioName = (typeof SCENARIOS)[number];

type Step = readonly [kind: string, body: Record<string, unknown>] | OnboardingStatus;

/** The capture part of a flow: statuses in order (face and government validation may swap). */
function capture(random: Random, modules: { secondId?: boolean; face?: boolean; government?: boolean }): Step[] {
  const steps: Step[] = ['ID_VALIDATION_FINISHED'];
  if (modules.secondId) steps.push('ID_VALIDATION_FINISHED_SECOND_ID');
  steps.push('POST_PROCESSING_FINISHED');
  const middle: Step[] = [];
  if (modules.face) middle.push('FACE_VALIDATION_FINISHED');
  if (modules.government) middle.push('GOVERNMENT_VALIDATION_FINISHED');
  if (middle.length === 2 && random.chance(0.3)) middle.reverse();
  return [...steps, ...middle];
}

/** Each flow's steps, for one session. */
function stepsOf(scenario: ScenarioName, id: string, random: Random): Step[] {
  const full = capture(random, { face: true });
  switch (scenario) {
    case 'id-only':
      return [...capture(random, {}), 'ONBOARDING_FINISHED'];
    case 'id-face':
      return [...full, 'ONBOARDING_FINISHED'];
    case 'id-face-government':
      return [...capture(random, { face: true, government: true }), 'ONBOARDING_FINISHED'];
    case 'two-ids':
      return [...capture(random, { secondId: true, face: true }), 'ONBOARDING_FINISHED'];
    case 'review-approved':
      return [
        ...full,
        'ONBOARDING_FINISHED',
        ['session-pending-review', { interviewId: id }],
        'MANUAL_REVIEW_APPROVED',
      ];
    case 'review-rejected':
      return [
        ...full,
        'ONBOARDING_FINISHED',
        ['session-pending-review', { interviewId: id }],
        'MANUAL_REVIEW_REJECTED',
      ];
    case 'review-reversed': {
      const [first, second] = random.chance(0.5)
        ? (['MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'] as const)
        : (['MANUAL_REVIEW_REJECTED', 'MANUAL_REVIEW_APPROVED'] as const);
      return [...full, 'ONBOARDING_FINISHED', first, second];
    }
    case 'abandoned': {
      const steps: Step[] = [['session-started', { interviewId: id }], ...full];
      return steps.slice(0, random.int(1, steps.length - 1));
    }
    case 'video-selfie':
      return [...full, ['video-selfie', { interviewId: id, clientId: 'sim', flowId: 'video' }], 'ONBOARDING_FINISHED'];
    case 'watchlist': {
      const update: Step = ['watchlist', { interviewId: id, ref: `ref-${id}`, search_id: `search-${id}` }];
      const updates = Array.from({ length: random.int(1, 3) }, () => update);
      return [...capture(random, { face: true, government: true }), 'ONBOARDING_FINISHED', ...updates];
    }
    case 'mexico': {
      const requestId = `req-${id}`;
      const payment: Record<string, unknown> = { requestId, rfcIssuer: 'AAA010101AAA', totalCfdi: '1520.00' };
      if (random.chance(0.5)) payment.interviewId = id;
      return [
        ...capture(random, { face: true, government: true }),
        ['ine-scraping', { InterviewId: id, ScrapingStatus: 'IN_PROGRESS' }],
        ['ine-scraping', { InterviewId: id, ScrapingStatus: 'FINISHED' }],
        'ONBOARDING_FINISHED',
        ['work-history', { interviewId: id, requestId, workHistory: { employers: [{ name: 'ACME SA de CV' }] } }],
        ['proof-of-payment', payment],
      ];
    }
    case 'workflow-succeeded':
      return [
        ['session-started', { interviewId: id }],
        ...full,
        'ONBOARDING_FINISHED',
        ['session-succeeded', { interviewId: id }],
      ];
    case 'workflow-failed':
      return [
        ['session-started', { interviewId: id }],
        ...full,
        'ONBOARDING_FINISHED',
        ['session-failed', { interviewId: id }],
      ];
    case 'face-authentication': {
      const identityId = `identity-${id}`;
      return [
        ...full,
        'ONBOARDING_FINISHED',
        ['identity-enrolled', { interviewId: id, identityId }],
        ['face-authentication', { identityId, success: random.chance(0.8) }],
      ];
    }
  }
}

/** Generate one session of a flow: its timeline (vendor seconds) and its truth. */
export function generateSession(scenario: ScenarioName, interviewId: string, random: Random): SimSession {
  let at = 0;
  const events: VendorEvent[] = stepsOf(scenario, interviewId, random).map((step) => {
    // A person captures an ID in about a minute, a selfie in half; reviews take minutes.
    at += typeof step === 'string' && step.startsWith('MANUAL') ? random.between(60, 240) : random.between(5, 60);
    if (typeof step === 'string') {
      return {
        at,
        kind: 'onboarding-status',
        body: { interviewId, onboardingStatus: step, clientId: 'sim' },
        status: step,
      };
    }
    return { at, kind: step[0], body: step[1] };
  });
  return { interviewId, scenario, events, truth: truthOf(interviewId, scenario, events) };
}

// The vendor's order of statuses; the two manual-review statuses share the last rank.
const RANK: Readonly<Record<OnboardingStatus, number>> = {
  UNKNOWN: 0,
  ID_VALIDATION_FINISHED: 1,
  ID_VALIDATION_FINISHED_SECOND_ID: 2,
  POST_PROCESSING_FINISHED: 3,
  FACE_VALIDATION_FINISHED: 4,
  GOVERNMENT_VALIDATION_FINISHED: 5,
  ONBOARDING_FINISHED: 6,
  MANUAL_REVIEW_APPROVED: 7,
  MANUAL_REVIEW_REJECTED: 7,
};

/** What a status makes fetchable (docs/spec.md#modules, with the implications of docs/spec.md#statuses), with no flow configured. */
const FETCHABLE_BY_STATUS: Readonly<Record<OnboardingStatus, readonly string[]>> = {
  UNKNOWN: [],
  ID_VALIDATION_FINISHED: ['id'],
  ID_VALIDATION_FINISHED_SECOND_ID: ['id', 'secondId'],
  POST_PROCESSING_FINISHED: ['id'],
  FACE_VALIDATION_FINISHED: ['face'],
  GOVERNMENT_VALIDATION_FINISHED: ['governmentValidation'],
  ONBOARDING_FINISHED: ['face', 'governmentValidation', 'id', 'scores', 'secondId'],
  MANUAL_REVIEW_APPROVED: ['face', 'governmentValidation', 'id', 'scores', 'secondId'],
  MANUAL_REVIEW_REJECTED: ['face', 'governmentValidation', 'id', 'scores', 'secondId'],
};

const FETCHABLE_BY_KIND: Readonly<Record<string, string>> = {
  'video-selfie': 'videoSelfie',
  watchlist: 'watchlist',
  'face-authentication': 'faceAuthentication',
  'work-history': 'workHistory',
  'proof-of-payment': 'proofOfPayment',
};

/** The truth of a timeline: the vendor's final status and decision, and what is then fetchable. */
export function truthOf(interviewId: string, scenario: ScenarioName, events: readonly VendorEvent[]): SessionTruth {
  let status: OnboardingStatus = 'UNKNOWN';
  let decision: SessionTruth['decision'] = 'none';
  const fetchable = new Set<string>();
  for (const event of events) {
    if (event.status !== undefined) {
      if (RANK[event.status] >= RANK[status]) status = event.status;
      for (const module of FETCHABLE_BY_STATUS[event.status]) fetchable.add(module);
      if (event.status === 'MANUAL_REVIEW_APPROVED') decision = 'approved';
      if (event.status === 'MANUAL_REVIEW_REJECTED') decision = 'rejected';
    }
    const module = FETCHABLE_BY_KIND[event.kind];
    if (module !== undefined) fetchable.add(module);
    if (event.kind === 'ine-scraping' && event.body.ScrapingStatus === 'FINISHED') fetchable.add('scores');
    if (event.kind === 'session-succeeded') decision = 'approved';
    if (event.kind === 'session-failed') decision = 'rejected';
    if (event.kind === 'session-pending-review' && decision === 'none') decision = 'pending-review';
  }
  return { interviewId, scenario, status, decision, fetchable: [...fetchable].sort() };
}

/** The status a session's timeline has `seconds` after it started. */
export function statusAt(events: readonly VendorEvent[], seconds: number): OnboardingStatus {
  let status: OnboardingStatus = 'UNKNOWN';
  for (const event of events) if (event.at <= seconds && event.status !== undefined) status = event.status;
  return status;
}
