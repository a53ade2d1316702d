/**
 * The decision of a session from its evidence (SPEC 2.2, law 6). A pure function of a set, so it
 * cannot depend on the order the evidence arrived in.
 */
import type { Decision, Millis } from '../types.js';
import type { OnboardingStatus } from '../vendor/statuses.js';
import { itemsOf, type Keyed } from './keyed.js';

/** One piece of decision evidence: a webhook, or a poll that reported a decision. */
export interface DecisionEvidence {
  readonly decision: 'approved' | 'rejected';
  /** When it was received (the earliest copy, for a webhook). */
  readonly at: Millis;
  /** The manual-review status it carried, if any (`session-succeeded` carries none). */
  readonly status: OnboardingStatus | null;
  /** Set for a poll: when the poll request was sent. */
  readonly requestedAt?: Millis;
}

/** The decision evidence of a session. */
export interface ReviewEvidence {
  readonly pendingReview: boolean;
  readonly decisions: Keyed<DecisionEvidence>;
}

/** The poll that settles the decision: the latest by `requestedAt` that reported one. */
export function settlingPoll(review: ReviewEvidence): DecisionEvidence | undefined {
  let best: DecisionEvidence | undefined;
  // No order needed: the comparison below breaks every tie that could change the answer.
  for (const item of review.decisions) {
    if (item.requestedAt === undefined) continue;
    if (
      best === undefined ||
      item.requestedAt > (best.requestedAt as number) ||
      (item.requestedAt === best.requestedAt &&
        // Ties: the later answer, then rejection (the conservative reading).
        (item.at > best.at || (item.at === best.at && item.decision === 'rejected')))
    ) {
      best = item;
    }
  }
  return best;
}

/**
 * The evidence still in force: the settling poll, and every webhook received at or after the
 * moment that poll was sent (all webhooks when no poll reported a decision).
 */
export function openEvidence(review: ReviewEvidence): DecisionEvidence[] {
  const poll = settlingPoll(review);
  return review.decisions.filter((item) =>
    poll === undefined
      ? item.requestedAt === undefined
      : item === poll || (item.requestedAt === undefined && item.at >= (poll.requestedAt as number)),
  );
}

/** The decision the evidence supports (SPEC 2.2). */
export function decide(review: ReviewEvidence): Decision {
  let approved = false;
  let rejected = false;
  for (const item of openEvidence(review)) {
    if (item.decision === 'approved') approved = true;
    else rejected = true;
  }
  if (approved && rejected) return 'conflict';
  if (approved) return 'approved';
  if (rejected) return 'rejected';
  return review.pendingReview ? 'pending-review' : 'none';
}

/**
 * The manual-review status that takes the shared last rank: the one the decision settled on,
 * or, in conflict, the one received last. `undefined` when no manual-review status is known.
 */
export function decisionStatus(review: ReviewEvidence): OnboardingStatus | undefined {
  const decision = decide(review);
  let last: DecisionEvidence | undefined;
  let settled: DecisionEvidence | undefined;
  for (const item of itemsOf(review.decisions)) {
    if (item.status === null) continue;
    if (last === undefined || item.at >= last.at) last = item;
    if (item.decision === decision) settled = item;
  }
  return (settled ?? last)?.status ?? undefined;
}
