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
import { decide, settlingPoll } from './decision.js';

/** The state of one session: its machines, the deliveries seen, and the anomalies noted. */
export interface SessionState {
  readonly interviewId: string;
  readonly machines: {
    readonly onboarding: MachineState<OnboardingContext>;
    readonly session: MachineState<SessionContext>;
    readonly evidence: MachineState<EvidenceContext>;
  };
  /** Each delivery seen, with the distinct times its copies arrived, earliest first. */
  readonly seen: Readonly<Record<DeliveryKey, readonly Millis[]>>;
  readonly anomalies: readonly Anomaly[];
  /** Distinct deliveries applied. */
  readonly records: number;
}

const COMPILED = {
  onboarding: compileModel(onboardingModel),
  session: compileModel(sessionModel),
  evidence: compileModel(evidenceModel),
} as const;

/** The compiled machines the reducer runs (exported for the equivalence tests). */
export const compiledMachines: {
  readonly onboarding: CompiledMachine<OnboardingContext, OnboardingEvent>;
  readonly session: CompiledMachine<SessionContext, SessionEvent>;
  readonly evidence: CompiledMachine<EvidenceContext, OtherEvidenceEvent>;
} = COMPILED;

/** A session before any evidence. */
export function initialSession(interviewId: string): SessionState {
  return {
    interviewId,
    machines: {
      onboarding: COMPILED.onboarding.initial,
      session: COMPILED.session.initial,
      evidence: COMPILED.evidence.initial,
    },
    seen: {},
    anomalies: [],
    records: 0,
  };
}

/** Feed one event to every machine; each reads what it knows and ignores the rest. */
function stepMachines(machines: SessionState['machines'], event: EvidenceEvent): SessionState['machines'] {
  // Each machine declares the events it reads; an event it does not know takes no transition.
  const onboarding = COMPILED.onboarding.step(machines.onboarding, event as OnboardingEvent);
  const session = COMPILED.session.step(machines.session, event as SessionEvent);
  const evidence = COMPILED.evidence.step(machines.evidence, event as OtherEvidenceEvent);
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
function orderAnomalies(state: SessionState, parsed: ParsedRecord, event: EvidenceEvent): Anomaly[] {
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
      return [];
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
    return [];
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
  return [];
}

function conflictAnomaly(state: SessionState, parsed: ParsedRecord): Anomaly {
  const where = { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source };
  const review = state.machines.onboarding.context.review;
  const items = Object.values(review.decisions)
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

function insertTime(times: readonly Millis[] | undefined, at: Millis): readonly Millis[] {
  if (times === undefined) return [at];
  return [...times, at].sort((a, b) => a - b);
}

/**
 * Apply one parsed record to a session. The same record applied again changes nothing; a copy
 * of a delivery already seen is a `duplicate` and counts at the earliest time any copy arrived.
 */
export function applyRecord(state: SessionState, parsed: ParsedRecord): SessionState {
  const copies = state.seen[parsed.key];
  if (copies?.includes(parsed.at)) return state;
  const seen = { ...state.seen, [parsed.key]: insertTime(copies, parsed.at) };
  const noted: Anomaly[] = [];
  const event = parsed.event;
  if (copies !== undefined) {
    noted.push(
      anomaly(
        'duplicate',
        `a copy of the ${parsed.record.kind} delivery first received at ${iso(Math.min(...copies))}; it counts once, at the earliest time`,
        { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source },
      ),
    );
  } else {
    noted.push(...parsed.anomalies);
    if (event) noted.push(...orderAnomalies(state, parsed, event));
  }
  let machines = state.machines;
  // A copy earlier than every other one moves the delivery's time back: the machines re-read it.
  if (event && (copies === undefined || parsed.at < copies[0])) machines = stepMachines(machines, event);
  const next: SessionState = {
    interviewId: state.interviewId,
    machines,
    seen,
    anomalies: state.anomalies,
    records: copies === undefined ? state.records + 1 : state.records,
  };
  const before = decide(state.machines.onboarding.context.review);
  if (before !== 'conflict' && decide(machines.onboarding.context.review) === 'conflict') {
    noted.push(conflictAnomaly(next, parsed));
  }
  return noted.length === 0 ? next : { ...next, anomalies: [...state.anomalies, ...noted] };
}

/** Note an anomaly about a record that could not be applied (once per distinct record). */
export function noteRefused(state: SessionState, key: DeliveryKey, refused: Anomaly): SessionState {
  if (state.seen[key] !== undefined) return state;
  return { ...state, seen: { ...state.seen, [key]: [0] }, anomalies: [...state.anomalies, refused] };
}
