/**
 * The delivery record (the one input format), typed by `kind` as stripe-node types its events:
 * each kind has its own body, so a host's typo in a kind, a status or a field fails the compiler.
 * Raw input (a log line, an HTTP body) is `unknown` and goes through `parseRecord`/`parseLine`.
 */
import type { SESSION_KINDS } from '../vendor/kinds.js';
import type { OnboardingStatus } from '../vendor/statuses.js';

/**
 * A time as ISO 8601 with a date, a time and an explicit offset: `2026-11-25T10:00:01.000Z` or
 * `2026-11-25T11:00:01+01:00`. Any other form makes the record `invalid-payload`.
 */
export type IsoTime = string;

/** What every record carries besides its kind and body. */
interface RecordMeta {
  /** When the receiver got it, by its own clock. */
  readonly receivedAt: IsoTime;
  /** What authentication saw. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A delivery id, where a relay adds one. */
  readonly id?: string;
}

/** A webhook record: its kind (the URL it arrived at) and the vendor's body as it arrived. */
interface Webhook<TKind extends string, TBody> extends RecordMeta {
  readonly kind: TKind;
  readonly body: TBody;
}

/** `onboarding-status`: the onboarding status changed. */
export type OnboardingStatusRecord = Webhook<
  'onboarding-status',
  {
    readonly interviewId: string;
    readonly onboardingStatus: OnboardingStatus;
    readonly clientId?: string;
    readonly flowId?: string;
    readonly externalId?: string;
  }
>;

/** `video-selfie`: the video selfie recording is uploaded. */
export type VideoSelfieRecord = Webhook<
  'video-selfie',
  { readonly interviewId: string; readonly clientId?: string; readonly flowId?: string }
>;

/** `watchlist`: a subscribed watchlist search has updated results (fetch them again by `ref`). */
export type WatchlistRecord = Webhook<
  'watchlist',
  { readonly interviewId: string; readonly ref: string; readonly search_id?: string | number }
>;

/** `face-authentication`: its fields are not published; the outcome in one of several fields. */
export type FaceAuthenticationRecord = Webhook<
  'face-authentication',
  {
    readonly interviewId?: string;
    readonly identityId?: string;
    readonly customerId?: string;
    readonly success?: boolean;
    readonly status?: string;
    readonly result?: string;
    readonly [field: string]: unknown;
  }
>;

/** `work-history` (Mexico): the result is in the body. */
export type WorkHistoryRecord = Webhook<
  'work-history',
  {
    readonly interviewId?: string;
    readonly requestId?: string;
    readonly workHistory: Readonly<Record<string, unknown>>;
  }
>;

/** `proof-of-payment` (Mexico): the result is in the body; correlated by `requestId`. */
export type ProofOfPaymentRecord = Webhook<
  'proof-of-payment',
  {
    readonly requestId: string;
    readonly interviewId?: string;
    readonly rfcIssuer?: string;
    readonly totalCfdi?: string | number;
    readonly [field: string]: unknown;
  }
>;

/** The session lifecycle webhooks of a Flow or Workflow session. */
export type SessionLifecycleRecord = Webhook<
  (typeof SESSION_KINDS)[number],
  { readonly interviewId: string; readonly identityId?: string; readonly [field: string]: unknown }
>;

/** `authentication` (deprecated): an old 1:1 or 1:N login result. */
export type AuthenticationRecord = Webhook<
  'authentication',
  {
    readonly interviewId: string;
    readonly customerId?: string;
    readonly overallStatus: 'PASS' | 'FAIL';
    readonly errorCode?: string;
    readonly [field: string]: unknown;
  }
>;

/** `ine-scraping` (deprecated): note the capital letters the vendor uses. */
export type IneScrapingRecord = Webhook<
  'ine-scraping',
  { readonly InterviewId: string; readonly ScrapingStatus: 'IN_PROGRESS' | 'FINISHED' }
>;

/** The vendor's error answer to a poll. */
export interface PollError {
  readonly timestamp?: string;
  readonly status: number;
  readonly error: string;
  readonly message?: string;
  readonly path?: string;
}

/** `poll`: an answer of the status endpoint, with when it was asked and when it came back. */
export interface PollRecord extends RecordMeta {
  readonly kind: 'poll';
  /** The session polled. */
  readonly interviewId: string;
  /** When the request was sent (a poll answered after it may already be stale). */
  readonly requestedAt: IsoTime;
  readonly body: { readonly onboardingStatus: OnboardingStatus } | PollError;
}

/** A delivery record, typed by kind. */
export type DeliveryRecord =
  | OnboardingStatusRecord
  | VideoSelfieRecord
  | WatchlistRecord
  | FaceAuthenticationRecord
  | WorkHistoryRecord
  | ProofOfPaymentRecord
  | SessionLifecycleRecord
  | AuthenticationRecord
  | IneScrapingRecord
  | PollRecord;

/**
 * A delivery record as it is stored or read, before it is checked: any kind, any body. The core
 * reads it with `parseRecord`, which never trusts it.
 */
export interface RawDeliveryRecord {
  readonly kind: string;
  readonly receivedAt: string;
  readonly body: unknown;
  readonly requestedAt?: string;
  readonly interviewId?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly id?: string;
}
