/**
 * The shared vocabulary of the core: the events the machines read, the evidence they keep, the
 * anomalies the reducer reports and the session view. Helper types sit beside their single use.
 */

import type { RecordKind, SESSION_KINDS, WebhookKind } from './vendor/kinds.js';
import type { EvidenceStatus, OnboardingStatus } from './vendor/statuses.js';

/** Milliseconds since the epoch, as read from a record's ISO 8601 time. */
export type Millis = number;

/** Identity of one delivery: its kind and canonical body (docs/spec.md#3-idempotence), hashed. */
export type DeliveryKey = number & { readonly __brand: 'DeliveryKey' };

/** What every event carries: the delivery it came from and when. */
export interface EventBase {
  /** The delivery this evidence came from. */
  readonly key: DeliveryKey;
  /** When the earliest copy of that delivery was received. */
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
  | (EventBase & { readonly type: 'watchlist'; readonly ref: string })
  | (EventBase & { readonly type: 'face-authentication'; readonly outcome: Outcome })
  | (EventBase & { readonly type: 'work-history'; readonly requestId?: string })
  | (EventBase & { readonly type: 'proof-of-payment'; readonly requestId?: string })
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
  | 'uncorrelated';

/** `error`: data is missing or contradicts; `warning`: the delivery pattern was odd. */
export type Severity = 'error' | 'warning';

/** Something odd about a delivery, with a sentence a person understands. */
export interface Anomaly {
  readonly code: AnomalyCode;
  readonly severity: Severity;
  readonly message: string;
  /** The record's kind, as it arrived (may be a kind this version does not know). */
  readonly kind?: string;
  /** The record's `receivedAt`, as it arrived. */
  readonly receivedAt?: string;
  /** The position of the record in its input (a 1-based line number for a log). */
  readonly source?: RecordSource;
  /** For `invalid-payload`: the field, what was expected and what arrived. */
  readonly field?: string;
  readonly expected?: string;
  readonly got?: string;
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
  /** The machine states that make it fetchable (`machine.region.state`). */
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
