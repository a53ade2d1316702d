/**
 * The reducer: session state + delivery record → new session state. It feeds the evidence to
 * every machine (through their compiled tables, proven equal to XState by SPEC law 8) and notes
 * what was odd about the order of deliveries. State is plain JSON: store it anywhere, resume.
 */
import { type EvidenceContext, evidenceModel } from '../../machines/evidence.js';
import { type OnboardingContext, type OnboardingEvent, onboardingModel } from '../../machines/onboarding.js';
import { type SessionContext, sessionModel } from '../../machines/session.js';
import { anomaly } from '../records/anomaly.js';
import type { ParsedRecord } from '../records/parse.js';
import type {
  Anomaly,
  DeliveryKey,
  EvidenceEvent,
  Millis,
  OtherEvidenceEvent,
  SessionEvent,
  SessionKind,
} from '../types.js';
import {
  type EvidenceStatus,
  highestStatus,
  IMPLIED_BITS,
  impliedBy,
  isOnboardingStatus,
  ONBOARDING_STATUSES,
  STATUS_FACTS,
  statusBit,
} from '../vendor/statuses.js';
import { type CompiledMachine, compileModel, type MachineState } from './compile.js';
import { decide, type ReviewEvidence, settlingPoll } from './decision.js';
import { itemsOf } from './keyed.js';

const NONE: readonly Anomaly[] = [];

/** The state of one session: its machines, the deliveries seen, and the anomalies noted. */
export interface SessionState {
  readonly interviewId: string;
  readonly machines: {
    readonly onboarding: MachineState<OnboardingContext>;
    readonly session: MachineState<SessionContext>;
    readonly evidence: MachineState<EvidenceContext>;
  };
  /**
   * Each copy of each delivery seen, in arrival order: its delivery key, and (at the same index
   * of `seenAt`) when it was received. Short arrays, not a map: copying a short array per record
   * is far cheaper than copying an object with many keys.
   */
  readonly seen: readonly DeliveryKey[];
  readonly seenAt: readonly Millis[];
  readonly anomalies: readonly Anomaly[];
  /** Distinct deliveries applied. */
  readonly records: number;
}

/** The compiled machines the reducer runs (exported for the equivalence tests). */
export const compiledMachines: {
  readonly onboarding: CompiledMachine<OnboardingContext, OnboardingEvent>;
  readonly session: CompiledMachine<SessionContext, SessionEvent>;
  readonly evidence: CompiledMachine<EvidenceContext, OtherEvidenceEvent>;
} = {
  onboarding: compileModel(onboardingModel),
  session: compileModel(sessionModel),
  evidence: compileModel(evidenceModel),
};

/** A session before any evidence. */
export function initialSession(interviewId: string): SessionState {
  return {
    interviewId,
    machines: {
      onboarding: compiledMachines.onboarding.initial,
      session: compiledMachines.session.initial,
      evidence: compiledMachines.evidence.initial,
    },
    seen: [],
    seenAt: [],
    anomalies: [],
    records: 0,
  };
}

/** Feed one event to every machine; each reads what it knows and ignores the rest. */
function stepMachines(machines: SessionState['machines'], event: EvidenceEvent): SessionState['machines'] {
  // Each machine declares the events it reads; an event it does not know takes no transition.
  const onboarding = compiledMachines.onboarding.step(machines.onboarding, event as OnboardingEvent);
  const session = compiledMachines.session.step(machines.session, event as SessionEvent);
  const evidence = compiledMachines.evidence.step(machines.evidence, event as OtherEvidenceEvent);
  if (!onboarding && !session && !evidence) return machines;
  return {
    onboarding: onboarding ?? machines.onboarding,
    session: session ?? machines.session,
    evidence: evidence ?? machines.evidence,
  };
}

const iso = (ms: Millis) => new Date(ms).toISOString();

/** The most advanced status the known statuses give, ignoring the decision tie. */
function advancedStatus(known: number): EvidenceStatus | 'UNKNOWN' {
  return highestStatus(known | impliedBy(known));
}

/** For each session webhook, the lifecycle states in which it arrives late (already implied). */
const SESSION_LATE_IN: Readonly<Record<SessionKind, readonly string[]>> = {
  'session-started': ['started', 'resumed', 'pendingReview', 'succeeded', 'failed', 'contradicted'],
  'session-progress': [],
  'session-pending-review': ['succeeded', 'failed', 'contradicted'],
  'session-succeeded': [],
  'session-failed': [],
  'identity-enrolled': [],
};

const TERMINAL_LIFECYCLE = new Set(['succeeded', 'failed', 'contradicted']);

const isTerminalDecision = (state: SessionState) => {
  const decision = decide(state.machines.onboarding.context.review);
  return decision === 'approved' || decision === 'rejected';
};

/** What the order of this delivery says, judged against the state before it. */
function orderAnomalies(state: SessionState, parsed: ParsedRecord, event: EvidenceEvent): readonly Anomaly[] {
  const where = { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source };
  const known = state.machines.onboarding.context.known;
  if (isOnboardingStatus(event.type)) {
    const status = event.type;
    const current = advancedStatus(known);
    if ('requestedAt' in event && event.requestedAt !== undefined) {
      const settling = settlingPoll(state.machines.onboarding.context.review);
      if (STATUS_FACTS[status].rank < STATUS_FACTS[current].rank) {
        return [
          anomaly(
            'stale-poll',
            `poll sent at ${iso(event.requestedAt)} reported ${status}, but ${current} was already known; it moves nothing back`,
            where,
          ),
        ];
      }
      if (
        STATUS_FACTS[status].decision &&
        settling?.requestedAt !== undefined &&
        settling.requestedAt > event.requestedAt
      ) {
        return [
          anomaly(
            'stale-poll',
            `poll sent at ${iso(event.requestedAt)} reported ${status}, but a later poll (sent at ${iso(settling.requestedAt)}) already settled the decision`,
            where,
          ),
        ];
      }
      return NONE;
    }
    const bit = statusBit(status);
    if (impliedBy(known) & bit) {
      const implier = ONBOARDING_STATUSES.filter((s) => known & statusBit(s) && IMPLIED_BITS[s] & bit).pop();
      return [anomaly('late-delivery', `${status} arrived after ${implier}, which already implied it`, where)];
    }
    if (known & bit && !STATUS_FACTS[status].decision) {
      return [anomaly('duplicate', `${status} was already received in another delivery with a different body`, where)];
    }
    if (!STATUS_FACTS[status].decision && isTerminalDecision(state)) {
      return [
        anomaly('after-terminal', `${status} arrived after the decision was settled; it cannot change it`, where),
      ];
    }
    return NONE;
  }
  if (event.type in SESSION_LATE_IN) {
    const lifecycle = state.machines.session.value.lifecycle;
    const kind = event.type as SessionKind;
    if (SESSION_LATE_IN[kind].includes(lifecycle)) {
      return [
        anomaly('late-delivery', `${kind} arrived after the session was already ${lifecycle}, which implies it`, where),
      ];
    }
    if (kind === 'session-progress' && TERMINAL_LIFECYCLE.has(lifecycle)) {
      return [anomaly('after-terminal', `the session link was resumed after the session had ${lifecycle}`, where)];
    }
  }
  return NONE;
}

function conflictAnomaly(review: ReviewEvidence, parsed: ParsedRecord): Anomaly {
  const where = { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source };
  const items = itemsOf(review.decisions)
    .sort((a, b) => a.at - b.at)
    .map(
      (item) =>
        `${item.status ?? (item.decision === 'approved' ? 'session-succeeded' : 'session-failed')}${item.requestedAt === undefined ? '' : ' (poll)'} at ${iso(item.at)}`,
    );
  return anomaly(
    'conflicting-decision',
    `approval and rejection disagree (${items.join(', ')}); the decision is a conflict until a poll settles it`,
    where,
  );
}

/**
 * Apply one parsed record to a session. The same record applied again changes nothing; a copy
 * of a delivery already seen is a `duplicate` and counts at the earliest time any copy arrived.
 */
export function applyRecord(state: SessionState, parsed: ParsedRecord): SessionState {
  // The earliest copy of this delivery seen so far; the very same record again changes nothing.
  let earliest: Millis | undefined;
  for (let i = 0; i < state.seen.length; i++) {
    if (state.seen[i] !== parsed.key) continue;
    const at = state.seenAt[i];
    if (at === parsed.at) return state;
    if (earliest === undefined || at < earliest) earliest = at;
  }
  const event = parsed.event;
  let noted: readonly Anomaly[];
  if (earliest !== undefined) {
    noted = [
      anomaly(
        'duplicate',
        `a copy of the ${parsed.record.kind} delivery first received at ${iso(earliest)}; it counts once, at the earliest time`,
        { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source },
      ),
    ];
  } else {
    noted = event ? orderAnomalies(state, parsed, event) : NONE;
    if (parsed.anomalies.length > 0) noted = noted.length === 0 ? parsed.anomalies : [...parsed.anomalies, ...noted];
  }
  // A copy earlier than every other one moves the delivery's time back: the machines re-read it.
  const machines =
    event && (earliest === undefined || parsed.at < earliest) ? stepMachines(state.machines, event) : state.machines;
  const before = state.machines.onboarding.context.review;
  const after = machines.onboarding.context.review;
  if (after !== before && decide(after) === 'conflict' && decide(before) !== 'conflict') {
    noted = [...noted, conflictAnomaly(after, parsed)];
  }
  return {
    interviewId: state.interviewId,
    machines,
    seen: state.seen.concat(parsed.key),
    seenAt: state.seenAt.concat(parsed.at),
    anomalies: noted.length === 0 ? state.anomalies : state.anomalies.concat(noted),
    records: earliest === undefined ? state.records + 1 : state.records,
  };
}

/** Note an anomaly about a record that could not be applied (once per distinct record). */
export function noteRefused(state: SessionState, key: DeliveryKey, refused: Anomaly): SessionState {
  if (state.seen.includes(key)) return state;
  return {
    ...state,
    seen: state.seen.concat(key),
    seenAt: state.seenAt.concat(0),
    anomalies: state.anomalies.concat(refused),
  };
}
