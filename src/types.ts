/**
 * The shared vocabulary of the core: the events the machines read, the evidence they keep, the
 * anomalies the reducer reports and the session view. Helper types sit beside their single use.
 */

import type { RecordKind, SESSION_KINDS, WebhookKind } from './vendor/kinds.js';
import type { EvidenceStatus, OnboardingStatus } from './vendor/statuses.js';

/** Milliseconds since the epoch, as read from a record's ISO 8601 time. */
export type Millis = number;

/** Identity of one delivery: its kind and canonical body (copies of a webhook share it), hashed. */
export type DeliveryKey = number & { readonly __brand: 'DeliveryKey' };

/** What every event carries: when its delivery was received (its earliest copy). */
export interface EventBase {
  readonly at: Millis;
}

/** A status from an `onboarding-status` webhook or a poll (`requestedAt` set for a poll). */
export interface StatusEvent extends EventBase {
  readonly type: OnboardingStatus;
  readonly requestedAt?: Millis;
}

/** The session lifecycle webhooks of a Flow or Workflow session. */
export type SessionKind = (typeof SESSION_KINDS)[number];

/** A session lifecycle webhook. */
export interface SessionEvent extends EventBase {
  readonly type: SessionKind;
}

/** The outcome carried by a face authentication or a deprecated authentication. */
export type Outcome = 'succeeded' | 'failed';

/** Evidence of the other webhook kinds (docs/spec.md#the-delivery-record). */
export type OtherEvidenceEvent =
  | (EventBase & { readonly type: 'video-selfie' })
  | (EventBase & { readonly type: 'watchlist' })
  | (EventBase & { readonly type: 'face-authentication'; readonly outcome: Outcome })
  | (EventBase & { readonly type: 'work-history' })
  | (EventBase & { readonly type: 'proof-of-payment' })
  | (EventBase & { readonly type: 'authentication'; readonly outcome: Outcome })
  | (EventBase & {
      readonly type: 'ine-scraping';
      readonly progress: 'IN_PROGRESS' | 'FINISHED';
    });

/** Every event the machines read: one per valid delivery record. */
export type EvidenceEvent = StatusEvent | SessionEvent | OtherEvidenceEvent;

/** A session's decision (docs/spec.md#decisions). */
export type Decision = 'none' | 'pending-review' | 'approved' | 'rejected' | 'conflict';

/** The anomaly codes (docs/spec.md#anomalies). */
export type AnomalyCode =
  | 'duplicate'
  | 'late-delivery'
  | 'stale-poll'
  | 'conflicting-decision'
  | 'unknown-status'
  | 'unknown-kind'
  | 'invalid-payload'
  | 'deprecated-webhook'
  | 'after-terminal'
  | 'uncorrelated'
  | 'ambiguous-correlation';

/** `error`: data is missing or contradicts; `warning`: the delivery pattern was odd. */
export type Severity = 'error' | 'warning';

/** What was odd about one record, in a sentence a person understands (bounded in length). */
export interface Finding {
  readonly code: AnomalyCode;
  readonly severity: Severity;
  readonly message: string;
  /** For `invalid-payload` and `unknown-*`: the field, what was expected and what arrived. */
  readonly field?: string;
  readonly expected?: string;
  readonly got?: string;
}

/** Something odd about a delivery, pointing at the record it is about. */
export interface Anomaly extends Finding {
  /** The record's kind, as it arrived (may be a kind this version does not know; cut if long). */
  readonly kind?: string;
  /** When the record was received, as `YYYY-MM-DDTHH:mm:ss.sssZ` (absent when it had no valid time). */
  readonly receivedAt?: string;
  /** Where the record was read (file and 1-based line of a log); it may differ between two reads. */
  readonly source?: RecordSource;
  /** For `conflicting-decision`: a poll has settled the decision since (it is no longer a conflict). */
  readonly settled?: boolean;
}

/** Where a record came from, so an anomaly can point at it. */
export interface RecordSource {
  readonly file?: string;
  readonly line?: number;
}

/** The modules whose data may be fetched (docs/spec.md#modules). */
export type ModuleName =
  | 'faceAuthentication'
  | 'face'
  | 'governmentValidation'
  | 'id'
  | 'proofOfPayment'
  | 'scores'
  | 'secondId'
  | 'videoSelfie'
  | 'watchlist'
  | 'workHistory';

/** The onboarding modules a flow may or may not have. */
export type OnboardingModule = 'id' | 'secondId' | 'face' | 'governmentValidation';

/** A vendor endpoint: data, not code. */
export interface Endpoint {
  readonly method: 'GET' | 'POST';
  /** The vendor's path; `null` where the vendor names the endpoint but not its path. */
  readonly path: string | null;
  readonly description: string;
}

/** What must be fetched again, and since when. */
export interface Refetch {
  readonly reason: string;
  /** Evidence newer than a host's last fetch asks for another fetch: the latest such time. */
  readonly after: string;
  /** How many pieces of evidence asked for a fetch. */
  readonly count: number;
}

/** What the view says of one fetchable module. */
export interface ModuleAccess {
  readonly stage: 'final' | 'preliminary';
  readonly endpoints: readonly Endpoint[];
  /** The machine state that makes it fetchable (`machine.region.state`). */
  readonly evidence: readonly string[];
  readonly refetch?: Refetch;
  /** For `watchlist`: each search `ref` with its latest update. */
  readonly refs?: readonly { readonly ref: string; readonly updates: number; readonly after: string }[];
}

/** The session view (docs/spec.md#the-session-view). */
export interface SessionView {
  readonly interviewId: string;
  readonly status: OnboardingStatus;
  readonly decision: Decision;
  /** Sorted names of the modules safe to fetch now. */
  readonly fetchable: readonly ModuleName[];
  /** For each fetchable module: final or preliminary, endpoints, what to fetch again. */
  readonly modules: Readonly<Partial<Record<ModuleName, ModuleAccess>>>;
  /** A conflicting decision asks for a poll to settle it (docs/spec.md#6-decisions-are-never-silently-overwritten). */
  readonly pollRequested: boolean;
  /** The decision is settled (approved or rejected): polling can stop. */
  readonly terminal: boolean;
  /** The state of the session lifecycle (Flow or Workflow session webhooks). */
  readonly session: string;
  readonly anomalies: readonly Anomaly[];
  /** Distinct records applied (copies and repeats excluded). */
  readonly records: number;
}

/** A flow's configuration: which onboarding modules it has (narrows `ONBOARDING_FINISHED`). */
export interface FlowConfig {
  readonly modules: readonly OnboardingModule[];
}

export type { EvidenceStatus, OnboardingStatus, RecordKind, WebhookKind };
