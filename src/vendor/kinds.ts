/**
 * The vendor's webhook kinds as data (docs/spec.md#the-delivery-record). The URL a delivery arrives at names its kind;
 * `poll` is our own kind for a status poll (docs/poller.md).
 */

/** Every webhook kind the vendor documents, by our name. */
export const WEBHOOK_KINDS = [
  'onboarding-status',
  'video-selfie',
  'watchlist',
  'face-authentication',
  'work-history',
  'proof-of-payment',
  'session-started',
  'session-progress',
  'session-failed',
  'session-succeeded',
  'session-pending-review',
  'identity-enrolled',
  'authentication',
  'ine-scraping',
] as const;

/** One webhook kind. */
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/** The session lifecycle webhooks of a Flow or Workflow session (read by the session machine). */
export const SESSION_KINDS = [
  'session-started',
  'session-progress',
  'session-pending-review',
  'session-succeeded',
  'session-failed',
  'identity-enrolled',
] as const satisfies readonly WebhookKind[];

/** A kind of delivery record: a webhook kind, or `poll`. */
export type RecordKind = WebhookKind | 'poll';

interface KindFact {
  /** One line on what the delivery means. */
  readonly meaning: string;
  /** Why the vendor deprecated this webhook, when it did. */
  readonly deprecated?: string;
  /**
   * Every delivery asks for a fetch again, so copies are not collapsed into one (docs/spec.md#3-idempotence):
   * the body is the same for every update of a watchlist search.
   */
  readonly everyDeliveryCounts?: boolean;
  /** A session outcome: the decision it carries. */
  readonly decision?: 'approved' | 'rejected';
  /** The session awaits a person's review. */
  readonly pendingReview?: boolean;
  /** It moves the session lifecycle: arriving after the lifecycle passed it, it is late. */
  readonly lifecycle?: boolean;
}

/** What each webhook kind means. */
export const KIND_FACTS: Readonly<Record<WebhookKind, KindFact>> = {
  'onboarding-status': { meaning: 'the onboarding status changed' },
  'video-selfie': { meaning: 'the video selfie recording is uploaded' },
  watchlist: {
    meaning: 'a global-watchlist search has updated results',
    everyDeliveryCounts: true,
  },
  'face-authentication': { meaning: 'a face authentication succeeded or failed' },
  'work-history': { meaning: 'the Mexican work-history result, in the body' },
  'proof-of-payment': { meaning: 'the Mexican proof-of-payment result, in the body' },
  'session-started': { meaning: 'a Flow or Workflow session started', lifecycle: true },
  'session-progress': { meaning: 'an existing session link was resumed', lifecycle: true },
  'session-failed': { meaning: 'the session failed', decision: 'rejected', lifecycle: true },
  'session-succeeded': { meaning: 'the session succeeded', decision: 'approved', lifecycle: true },
  'session-pending-review': { meaning: 'the session needs a manual review', pendingReview: true, lifecycle: true },
  'identity-enrolled': { meaning: 'the identity was enrolled' },
  authentication: {
    meaning: 'an old 1:1 or 1:N login result',
    deprecated: '1:1 support ends 2026-10-01, retirement 2027-04-01',
  },
  'ine-scraping': {
    meaning: 'the INE scraping progressed',
    deprecated: 'the vendor no longer recommends it; read the score instead',
  },
};

const KIND_SET: ReadonlySet<string> = new Set(WEBHOOK_KINDS);

/** Whether a string is a webhook kind this version knows. */
export function isWebhookKind(value: string): value is WebhookKind {
  return KIND_SET.has(value);
}
