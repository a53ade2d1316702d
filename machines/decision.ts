/**
 * The decision of a session from its decision evidence: approval and rejection that disagree are
 * a conflict; the latest poll (by when it was sent) that reported a decision settles every
 * webhook received before it was sent; a disagreeing webhook received after it is a conflict
 * again. Pure functions of the evidence, which the onboarding machine's guards call.
 */
import type { Millis } from '../src/types.js';
import type { OnboardingStatus } from '../src/vendor/statuses.js';

/** One piece of decision evidence: a webhook, or a poll that reported a decision. */
export interface DecisionEvidence {
  readonly decision: 'approved' | 'rejected';
  /** When it was received (its earliest copy, for a webhook). */
  readonly at: Millis;
  /** The manual-review status it carried; `null` for `session-succeeded`/`session-failed`. */
  readonly status: OnboardingStatus | null;
  /** Set for a poll: when the poll request was sent. */
  readonly requestedAt?: Millis;
}

/** What the evidence supports, before pending review is considered. */
export type Verdict = 'none' | 'approved' | 'rejected' | 'conflict';

/** The poll that settles the decision: the latest by `requestedAt` that reported one. */
export function settlingPoll(decisions: readonly DecisionEvidence[]): DecisionEvidence | undefined {
  let best: DecisionEvidence | undefined;
  for (const item of decisions) {
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
export function openEvidence(decisions: readonly DecisionEvidence[]): DecisionEvidence[] {
  const poll = settlingPoll(decisions);
  return decisions.filter((item) =>
    poll === undefined
      ? item.requestedAt === undefined
      : item === poll || (item.requestedAt === undefined && item.at >= (poll.requestedAt as number)),
  );
}

/** The decision the evidence supports: `none` without any. */
export function decide(decisions: readonly DecisionEvidence[]): Verdict {
  let approved = false;
  let rejected = false;
  for (const item of openEvidence(decisions)) {
    if (item.decision === 'approved') approved = true;
    else rejected = true;
  }
  if (approved && rejected) return 'conflict';
  if (approved) return 'approved';
  if (rejected) return 'rejected';
  return 'none';
}

/**
 * The manual-review status that takes the shared last rank: the one the decision settled on, or,
 * in conflict, the one received last (evidence is listed in the order received). `undefined`
 * when no manual-review status is known.
 */
export function decisionStatus(decisions: readonly DecisionEvidence[]): OnboardingStatus | undefined {
  const verdict = decide(decisions);
  let last: DecisionEvidence | undefined;
  let settled: DecisionEvidence | undefined;
  for (const item of decisions) {
    if (item.status === null) continue;
    last = item;
    if (item.decision === verdict) settled = item;
  }
  return (settled ?? last)?.status ?? undefined;
}
