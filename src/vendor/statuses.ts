/**
 * The vendor's onboarding statuses as data (docs/spec.md#statuses): their rank, what each one implies, and
 * which decision a manual-review status carries. Code reads this table; it never spells a status.
 */

/** Every onboarding status the vendor documents, in the order the vendor documents. */
export const ONBOARDING_STATUSES = [
  'UNKNOWN',
  'ID_VALIDATION_FINISHED',
  'ID_VALIDATION_FINISHED_SECOND_ID',
  'POST_PROCESSING_FINISHED',
  'FACE_VALIDATION_FINISHED',
  'GOVERNMENT_VALIDATION_FINISHED',
  'ONBOARDING_FINISHED',
  'MANUAL_REVIEW_APPROVED',
  'MANUAL_REVIEW_REJECTED',
] as const;

/** One onboarding status of the vendor. */
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

/** A status other than `UNKNOWN`: one that is evidence of progress. */
export type EvidenceStatus = Exclude<OnboardingStatus, 'UNKNOWN'>;

interface StatusFact {
  /** Position in the vendor's order; the two manual-review statuses share the last rank. */
  readonly rank: number;
  /** Statuses this one directly implies (docs/spec.md#5-safety); the closure is computed below. */
  readonly implies: readonly EvidenceStatus[];
  /** The decision a manual-review status carries. */
  readonly decision?: 'approved' | 'rejected';
  /** `UNKNOWN` is never sent as a webhook, only returned by a poll. */
  readonly webhook: boolean;
  /** The session is complete: all collected data can be fetched (data complete, not approved). */
  readonly completes?: boolean;
}

const MIDDLE: readonly EvidenceStatus[] = [
  'ID_VALIDATION_FINISHED',
  'ID_VALIDATION_FINISHED_SECOND_ID',
  'POST_PROCESSING_FINISHED',
  'FACE_VALIDATION_FINISHED',
  'GOVERNMENT_VALIDATION_FINISHED',
];

/** The vendor's facts about each status. */
export const STATUS_FACTS: Readonly<Record<OnboardingStatus, StatusFact>> = {
  UNKNOWN: { rank: 0, implies: [], webhook: false },
  ID_VALIDATION_FINISHED: { rank: 1, implies: [], webhook: true },
  ID_VALIDATION_FINISHED_SECOND_ID: { rank: 2, implies: ['ID_VALIDATION_FINISHED'], webhook: true },
  POST_PROCESSING_FINISHED: { rank: 3, implies: ['ID_VALIDATION_FINISHED'], webhook: true },
  FACE_VALIDATION_FINISHED: { rank: 4, implies: [], webhook: true },
  GOVERNMENT_VALIDATION_FINISHED: { rank: 5, implies: [], webhook: true },
  ONBOARDING_FINISHED: { rank: 6, implies: MIDDLE, webhook: true, completes: true },
  MANUAL_REVIEW_APPROVED: {
    rank: 7,
    implies: ['ONBOARDING_FINISHED'],
    decision: 'approved',
    webhook: true,
  },
  MANUAL_REVIEW_REJECTED: {
    rank: 7,
    implies: ['ONBOARDING_FINISHED'],
    decision: 'rejected',
    webhook: true,
  },
};

/** The rank shared by the manual-review statuses. */
export const DECISION_RANK = STATUS_FACTS.MANUAL_REVIEW_APPROVED.rank;

const STATUS_SET: ReadonlySet<string> = new Set(ONBOARDING_STATUSES);

/** Whether a string is a status this version knows. */
export function isOnboardingStatus(value: string): value is OnboardingStatus {
  return STATUS_SET.has(value);
}

const BITS: Readonly<Record<string, number>> = Object.fromEntries(
  ONBOARDING_STATUSES.map((status, index) => [status, 1 << index]),
);

/** The bit of a status in a set of statuses stored as a number. */
export function statusBit(status: OnboardingStatus): number {
  return BITS[status];
}

function closure(status: OnboardingStatus): number {
  let bits = 0;
  for (const implied of STATUS_FACTS[status].implies) bits |= statusBit(implied) | closure(implied);
  return bits;
}

/** For each status, the set (as bits) of the statuses it implies, transitively, itself excluded. */
export const IMPLIED_BITS: Readonly<Record<OnboardingStatus, number>> = Object.fromEntries(
  ONBOARDING_STATUSES.map((status) => [status, closure(status)]),
) as Record<OnboardingStatus, number>;

/** The set (as bits) of every status implied by the statuses in `known`. */
export function impliedBy(known: number): number {
  let bits = 0;
  for (const status of ONBOARDING_STATUSES) {
    if (known & statusBit(status)) bits |= IMPLIED_BITS[status];
  }
  return bits;
}

/** The highest non-decision status among the statuses in `bits` (with their implications). */
export function highestStatus(bits: number): OnboardingStatus {
  let best: OnboardingStatus = 'UNKNOWN';
  for (const status of ONBOARDING_STATUSES) {
    if (bits & statusBit(status) && STATUS_FACTS[status].rank > STATUS_FACTS[best].rank) {
      best = status;
    }
  }
  return best;
}

/** The statuses after which the session is complete: the completing one, and those implying it. */
export const COMPLETING_STATUSES: readonly EvidenceStatus[] = ONBOARDING_STATUSES.filter(
  (status): status is EvidenceStatus =>
    STATUS_FACTS[status].completes === true ||
    ONBOARDING_STATUSES.some((other) => STATUS_FACTS[other].completes && IMPLIED_BITS[status] & statusBit(other)),
);

/** The statuses of the flow-dependent middle: evidence of progress that does not complete. */
export const MIDDLE_STATUSES: readonly EvidenceStatus[] = ONBOARDING_STATUSES.filter(
  (status): status is EvidenceStatus =>
    STATUS_FACTS[status].webhook && !COMPLETING_STATUSES.includes(status as EvidenceStatus),
);

/** The manual-review statuses: each carries a decision. */
export const DECISION_STATUSES: readonly EvidenceStatus[] = ONBOARDING_STATUSES.filter(
  (status): status is EvidenceStatus => STATUS_FACTS[status].decision !== undefined,
);
