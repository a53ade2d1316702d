/**
 * The poll schedule (docs/poller.md; docs/spec.md#6-decisions-are-never-silently-overwritten): when to poll a session's status next, as a pure function
 * of its view, its delivery records, the failures of recent attempts and the time. The poller
 * (`src/poller/`) only carries the plan out; every decision about polling is made here.
 */
import type { RawDeliveryRecord } from '../records/record.js';
import { parseTime as parseIsoTime } from '../records/time.js';
import type { Millis, SessionView } from '../types.js';

/** How polls are paced. Every field has a default (`DEFAULT_POLL_POLICY`). */
export interface PollPolicy {
  /** The first delay after a webhook (or the session's first record). @defaultValue 30 s */
  readonly baseMillis: number;
  /** Each answered poll without a webhook in between multiplies the delay. @defaultValue 2 */
  readonly multiplier: number;
  /** No delay grows beyond this. @defaultValue 15 min */
  readonly capMillis: number;
  /** Each delay is shortened by up to this fraction, the same for a session every time. @defaultValue 0.2 */
  readonly jitter: number;
  /** The first delay after a failed attempt (5xx, timeout, network); it grows by `multiplier`. @defaultValue 5 s */
  readonly errorBaseMillis: number;
  /** A session with no webhook for this long is no longer polled (unless in conflict). @defaultValue 24 h */
  readonly idleMillis: number;
  /** Never two attempts for one session closer than this: no hot loop, whatever else says. @defaultValue 1 s */
  readonly minGapMillis: number;
}

/** The defaults of `PollPolicy`. */
export const DEFAULT_POLL_POLICY: PollPolicy = {
  baseMillis: 30_000,
  multiplier: 2,
  capMillis: 15 * 60_000,
  jitter: 0.2,
  errorBaseMillis: 5_000,
  idleMillis: 24 * 3_600_000,
  minGapMillis: 1_000,
};

/** What a session's stored records say about its activity, for the schedule. */
export interface SessionActivity {
  /** When its earliest record was received. */
  readonly firstSeenAt: Millis;
  /** When its latest webhook was received (any kind but `poll`). */
  readonly lastWebhookAt: Millis | undefined;
  /** When its latest stored poll was sent (`requestedAt`). */
  readonly lastPollAt: Millis | undefined;
  /** How many stored polls were sent after the latest webhook (all of them, without a webhook). */
  readonly pollsSinceWebhook: number;
}

/** Attempts that got no answer to store, since the last answered poll. Kept by the poller. */
export interface PollFailures {
  /** Consecutive failed attempts (5xx, 429, timeout, network error, refused). */
  readonly count: number;
  /** When the latest failed attempt was sent. */
  readonly lastAttemptAt: Millis;
  /** Not before this time: the vendor's `Retry-After`. */
  readonly notBefore?: Millis;
}

/** What the schedule says of a session: poll at a time (and why), or poll no more (and why). */
export type PollPlan =
  | { readonly poll: false; readonly reason: 'terminal' | 'idle' }
  | {
      readonly poll: true;
      readonly at: Millis;
      readonly reason: 'reconcile' | 'backoff' | 'error-backoff' | 'retry-after';
    };

/** The part of the view the schedule reads. */
export type ScheduledView = Pick<SessionView, 'interviewId' | 'terminal' | 'pollRequested'>;

const parseTime = (text: unknown): Millis | undefined => (typeof text === 'string' ? parseIsoTime(text) : undefined);

/**
 * Read a session's activity from its delivery records (in any order). Records whose times
 * cannot be read are skipped. Pure.
 */
export function activityOf(records: readonly RawDeliveryRecord[]): SessionActivity {
  let firstSeenAt = Number.POSITIVE_INFINITY;
  let lastWebhookAt: Millis | undefined;
  const polls: Millis[] = [];
  for (const record of records) {
    const received = parseTime(record.receivedAt);
    if (received === undefined) continue;
    firstSeenAt = Math.min(firstSeenAt, received);
    if (record.kind === 'poll') {
      const requested = parseTime(record.requestedAt);
      if (requested !== undefined) polls.push(requested);
    } else if (lastWebhookAt === undefined || received > lastWebhookAt) lastWebhookAt = received;
  }
  const since = lastWebhookAt ?? Number.NEGATIVE_INFINITY;
  return {
    firstSeenAt: Number.isFinite(firstSeenAt) ? firstSeenAt : 0,
    lastWebhookAt,
    lastPollAt: polls.length === 0 ? undefined : Math.max(...polls),
    pollsSinceWebhook: polls.filter((at) => at > since).length,
  };
}

/** A number in [0, 1) from a string: FNV-1a, so jitter is the same on every run. */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000;
}

/** `base × multiplier^step`, capped, shortened by the session's jitter for that step. */
export function backoffDelay(policy: PollPolicy, base: number, step: number, seed: string): Millis {
  const raw = Math.min(policy.capMillis, base * policy.multiplier ** Math.max(0, step));
  return Math.round(raw * (1 - policy.jitter * unitHash(`${seed}:${step}`)));
}

/**
 * When to poll a session next. Stops at a terminal decision and for a session idle past the
 * horizon; polls at once to settle a conflicting decision; otherwise backs off exponentially
 * (with jitter and a cap) from the latest webhook, which resets the backoff. Failed attempts back
 * off on their own and honour `Retry-After`. Never two attempts closer than `minGapMillis`. Pure.
 */
export function planPoll(
  view: ScheduledView,
  activity: SessionActivity,
  failures: PollFailures | undefined,
  now: Millis,
  policy: PollPolicy = DEFAULT_POLL_POLICY,
): PollPlan {
  if (view.terminal && !view.pollRequested) return { poll: false, reason: 'terminal' };
  const lastActive = Math.max(activity.firstSeenAt, activity.lastWebhookAt ?? 0);
  // A conflict is an open question only a poll answers: it is never left idle.
  if (!view.pollRequested && now - lastActive > policy.idleMillis) return { poll: false, reason: 'idle' };
  const lastAttempt = Math.max(
    activity.lastPollAt ?? Number.NEGATIVE_INFINITY,
    failures?.lastAttemptAt ?? Number.NEGATIVE_INFINITY,
  );
  const earliest = lastAttempt + policy.minGapMillis;
  const seed = view.interviewId;
  if (failures !== undefined && failures.count > 0) {
    const delay = backoffDelay(policy, policy.errorBaseMillis, failures.count - 1, `${seed}:error`);
    const byBackoff = Math.max(failures.lastAttemptAt + delay, earliest);
    if (failures.notBefore !== undefined && failures.notBefore > byBackoff) {
      return { poll: true, at: failures.notBefore, reason: 'retry-after' };
    }
    return { poll: true, at: byBackoff, reason: 'error-backoff' };
  }
  const since = activity.lastWebhookAt ?? activity.firstSeenAt;
  // No poll sent since the evidence that made the conflict: ask the vendor now. A poll settles
  // only webhooks received strictly before it was sent (docs/spec.md#decisions), hence the millisecond after.
  if (view.pollRequested && (activity.lastPollAt === undefined || activity.lastPollAt <= since)) {
    return { poll: true, at: Math.max(since + 1, earliest), reason: 'reconcile' };
  }
  const step = activity.pollsSinceWebhook;
  const from = step === 0 ? since : Math.max(since, activity.lastPollAt ?? since);
  const at = from + backoffDelay(policy, policy.baseMillis, step, seed);
  return { poll: true, at: Math.max(at, earliest), reason: 'backoff' };
}

/** Whether a plan says to poll at `now`. */
export const isDue = (plan: PollPlan, now: Millis): boolean => plan.poll && plan.at <= now;

/**
 * The failures after an attempt: cleared by an answer, else one more, with the time the vendor
 * asked to wait (`Retry-After`, in ms from `receivedAt`) when it gave one. Pure.
 */
export function noteAttempt(
  failures: PollFailures | undefined,
  attempt: { readonly requestedAt: Millis; readonly answered: boolean; readonly retryAfterMillis?: number },
  receivedAt: Millis = attempt.requestedAt,
): PollFailures | undefined {
  if (attempt.answered) return undefined;
  return {
    count: (failures?.count ?? 0) + 1,
    lastAttemptAt: attempt.requestedAt,
    ...(attempt.retryAfterMillis === undefined ? {} : { notBefore: receivedAt + attempt.retryAfterMillis }),
  };
}

/** A policy with every duration multiplied by `factor`: to run against a time-scaled simulator. Pure. */
export function scalePollPolicy(policy: PollPolicy, factor: number): PollPolicy {
  const scale = (millis: number) => Math.max(1, Math.round(millis * factor));
  return {
    ...policy,
    baseMillis: scale(policy.baseMillis),
    capMillis: scale(policy.capMillis),
    errorBaseMillis: scale(policy.errorBaseMillis),
    idleMillis: scale(policy.idleMillis),
    minGapMillis: scale(policy.minGapMillis),
  };
}
