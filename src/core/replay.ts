/**
 * A session's records run through the machines in the order they were received (by
 * `receivedAt`, then delivery key: the atoms' own order), each delivery once, at its earliest
 * copy. The machines' final states are what the view reads; each record is judged against the
 * machines' states just before it (the records received strictly earlier), which is how the
 * anomalies describe the order of arrival from the records' own times, whatever order a program
 * read them in.
 */
import {
  type DecisionEvidence,
  decide,
  decisionOf,
  type EvidenceContext,
  evidenceModel,
  type OnboardingContext,
  type OnboardingEvent,
  onboardingModel,
  openEvidence,
  type SessionContext,
  sessionModel,
  settlingPoll,
  withDecision,
} from '../../machines/index.js';
import { judgement } from '../records/anomaly.js';
import { quote } from '../records/json.js';
import { deprecation } from '../records/parse.js';
import { isoTime } from '../records/time.js';
import type {
  Anomaly,
  EvidenceEvent,
  Finding,
  Millis,
  OtherEvidenceEvent,
  SessionEvent,
  SessionKind,
} from '../types.js';
import { KIND_FACTS, SESSION_KINDS } from '../vendor/kinds.js';
import {
  type EvidenceStatus,
  highestStatus,
  IMPLIED_BITS,
  impliedBy,
  isOnboardingStatus,
  ONBOARDING_STATUSES,
  type OnboardingStatus,
  STATUS_FACTS,
  statusBit,
} from '../vendor/statuses.js';
import {
  AT,
  AUX,
  eventOf,
  FLAG,
  hasFlag,
  INFO,
  KEY,
  kindOf,
  type Note,
  REFUSED_AT,
  STRIDE,
  sourceOf,
} from './atoms.js';
import { type CompiledMachine, type Cursor, compileModel, type MachineState } from './compile.js';
import type { MutableState, SessionState } from './state.js';
import { noteOf } from './state.js';

/** The compiled machines the core runs (proven equal to XState by the law-8 test). */
export const compiledMachines: {
  readonly onboarding: CompiledMachine<OnboardingContext, OnboardingEvent>;
  readonly session: CompiledMachine<SessionContext, SessionEvent>;
  readonly evidence: CompiledMachine<EvidenceContext, OtherEvidenceEvent>;
} = {
  onboarding: compileModel(onboardingModel),
  session: compileModel(sessionModel),
  evidence: compileModel(evidenceModel),
};

/** The three machines of a session, where they are. */
export interface Machines {
  readonly onboarding: Cursor<OnboardingContext>;
  readonly session: Cursor<SessionContext>;
  readonly evidence: Cursor<EvidenceContext>;
}

/** What must be fetched again: how many pieces of evidence asked, and the latest. */
export interface RefetchCount {
  count: number;
  after: Millis;
}

/** What a replay found. */
export interface Replayed {
  /** The machines after every record. */
  readonly machines: Machines;
  /** Every anomaly, in canonical order (by record, then code); empty unless asked for. */
  readonly anomalies: Anomaly[];
  /** For each anomaly, the position of its record's atom in the state's `atoms`. */
  readonly owners: number[];
  /** Distinct deliveries applied (copies and refused records excluded). */
  readonly records: number;
  /** Manual-review decisions and finished INE scrapings: each asks for the score again. */
  readonly scoreRefetch: RefetchCount;
  /** Watchlist updates by search `ref`. */
  readonly watchlist: Map<string, RefetchCount>;
  /** The receivedAt of the latest record. */
  readonly lastAt: Millis | undefined;
}

/** The machines before any record, for a flow (as bits). */
export function startMachines(flow: number): Machines {
  return {
    onboarding: {
      index: compiledMachines.onboarding.initial,
      context: compiledMachines.onboarding.initialContext({ flow }),
    },
    session: { index: compiledMachines.session.initial, context: compiledMachines.session.initialContext() },
    evidence: { index: compiledMachines.evidence.initial, context: compiledMachines.evidence.initialContext() },
  };
}

/** Feed one event to every machine; each reads what it knows and ignores the rest. */
export function stepMachines(machines: Machines, event: EvidenceEvent): void {
  compiledMachines.onboarding.step(machines.onboarding, event as OnboardingEvent);
  compiledMachines.session.step(machines.session, event as SessionEvent);
  compiledMachines.evidence.step(machines.evidence, event as OtherEvidenceEvent);
}

/** The most advanced status the statuses known by webhook and poll give, ignoring the decision tie. */
export function statusOf(context: OnboardingContext): OnboardingStatus {
  const bits = context.known | context.polled;
  return highestStatus(bits | impliedBy(bits));
}

/** The session webhook that carries each decision (read from the kinds table). */
const SESSION_OUTCOME = Object.fromEntries(
  SESSION_KINDS.flatMap((kind) => {
    const decision = KIND_FACTS[kind].decision;
    return decision === undefined ? [] : [[decision, kind]];
  }),
) as Readonly<Record<'approved' | 'rejected', SessionKind>>;

/** Decision evidence, named for a message. */
function describeDecisions(items: readonly DecisionEvidence[]): string {
  const named = items.map(
    (item) =>
      `${item.status ?? SESSION_OUTCOME[item.decision]}${item.requestedAt === undefined ? '' : ' (poll)'} at ${isoTime(item.at)}`,
  );
  return named.length <= 3 ? named.join(', ') : `${named.slice(0, 3).join(', ')} and ${named.length - 3} more`;
}

/** What the order of one record says, judged against the machines before it. */
function judgeOrder(machines: Machines, event: EvidenceEvent, kind: string): Finding | undefined {
  const context = machines.onboarding.context;
  const decision = decisionOf(event);
  const requestedAt = 'requestedAt' in event ? event.requestedAt : undefined;
  if (requestedAt !== undefined) {
    const status = event.type as OnboardingStatus;
    const current = statusOf(context);
    if (STATUS_FACTS[status].rank < STATUS_FACTS[current].rank) {
      return judgement(
        'stale-poll',
        `poll sent at ${isoTime(requestedAt)} reported ${status}, but ${current} was already known; it moves nothing back`,
      );
    }
    if (decision === undefined) return undefined;
    const settling = settlingPoll(context.decisions);
    if (settling?.requestedAt !== undefined && settling.requestedAt > requestedAt) {
      return judgement(
        'stale-poll',
        `poll sent at ${isoTime(requestedAt)} reported ${status}, but a later poll (sent at ${isoTime(settling.requestedAt)}) already settled the decision`,
      );
    }
  }
  if (decision !== undefined) {
    const opposite = openEvidence(context.decisions).filter((item) => item.decision !== decision);
    if (opposite.length === 0) return undefined;
    const after = decide(withDecision(context, event));
    const what = requestedAt === undefined ? event.type : `poll sent at ${isoTime(requestedAt)} reported ${event.type}`;
    const outcome =
      after === decision
        ? `it settles the decision as ${decision}`
        : 'the decision is a conflict until a poll settles it';
    return judgement('conflicting-decision', `${what}, disagreeing with ${describeDecisions(opposite)}; ${outcome}`);
  }
  if (requestedAt !== undefined) return undefined;
  if (isOnboardingStatus(event.type)) {
    const bit = statusBit(event.type);
    const known = context.known | context.polled;
    if (impliedBy(known) & bit) {
      const implier = ONBOARDING_STATUSES.filter((s) => known & statusBit(s) && IMPLIED_BITS[s] & bit).pop();
      return judgement('late-delivery', `${event.type} arrived after ${implier}, which already implied it`);
    }
    if (context.known & bit) {
      return judgement('duplicate', `${event.type} was already received in another delivery with a different body`);
    }
    if (compiledMachines.onboarding.hasTag(machines.onboarding.index, 'terminal', 'review')) {
      return judgement('after-terminal', `${event.type} arrived after the decision was settled; it cannot change it`);
    }
    return undefined;
  }
  if (kind in KIND_FACTS && KIND_FACTS[kind as SessionKind].lifecycle) {
    const lifecycle = compiledMachines.session.regionState(machines.session.index, 'lifecycle');
    if (compiledMachines.session.hasTag(machines.session.index, `after:${kind}`, 'lifecycle')) {
      return judgement('late-delivery', `${kind} arrived after the session was already ${lifecycle}, which implies it`);
    }
    if (compiledMachines.session.hasTag(machines.session.index, 'terminal', 'lifecycle')) {
      return judgement('after-terminal', `${kind} arrived after the session had ended (${lifecycle})`);
    }
  }
  return undefined;
}

/** An anomaly about the record at atom position `i` of a state. */
export function anomalyAbout(state: SessionState | MutableState, i: number, found: Finding): Anomaly {
  const info = state.atoms[i + INFO];
  const at = state.atoms[i + AT];
  const note = hasFlag(info, FLAG.note) ? noteOf(state, at, state.atoms[i + KEY]) : undefined;
  return anomalyOf(found, note?.kind ?? kindOf(info), at, info, state.strings);
}

/** The kind of the record at atom position `i`, as it arrived (when it had one). */
export function kindAt(state: SessionState | MutableState, i: number): string | undefined {
  const info = state.atoms[i + INFO];
  const note = hasFlag(info, FLAG.note) ? noteOf(state, state.atoms[i + AT], state.atoms[i + KEY]) : undefined;
  return note?.kind ?? kindOf(info);
}

/** The anomaly of a finding about a record. */
function anomalyOf(
  found: Finding,
  kind: string | undefined,
  at: Millis,
  info: number,
  strings: readonly string[],
): Anomaly {
  const result: { -readonly [K in keyof Anomaly]: Anomaly[K] } = {
    code: found.code,
    severity: found.severity,
    message: found.message,
  };
  if (found.field !== undefined) result.field = found.field;
  if (found.expected !== undefined) result.expected = found.expected;
  if (found.got !== undefined) result.got = found.got;
  if (kind !== undefined) result.kind = kind;
  if (at !== REFUSED_AT) result.receivedAt = isoTime(at);
  const source = sourceOf(info, strings);
  if (source !== undefined) result.source = source;
  return result;
}

/** A record tied by a correlation id several sessions carry. */
function ambiguity(note: Note, kind: string): Finding {
  const sessions = note.sessions ?? [];
  const named = sessions.slice(0, 4).map((id) => quote(id, 40));
  const more = sessions.length > 4 ? ` and ${sessions.length - 4} more` : '';
  return judgement(
    'ambiguous-correlation',
    `a ${kind} delivery names no session, and the id that ties it is carried by several sessions (${named.join(', ')}${more}); it joins ${named[0]}, whose record carrying it was received first`,
  );
}

/**
 * Run a session's records through its machines in the order received. With `anomalies`, judge
 * each record against the states before it. `flow` is the flow's modules as bits (`flowBits`).
 */
export function replay(
  state: SessionState | MutableState,
  flow: number,
  options: { readonly anomalies?: boolean; readonly onStep?: (machines: Machines) => void } = {},
): Replayed {
  const wantAnomalies = options.anomalies ?? true;
  const machines = startMachines(flow);
  const atoms = state.atoms;
  const anomalies: Anomaly[] = [];
  const owners: number[] = [];
  const firstCopy = new Map<number, Millis>();
  const scoreRefetch: RefetchCount = { count: 0, after: Number.NEGATIVE_INFINITY };
  const watchlist = new Map<string, RefetchCount>();
  let lastAt: Millis | undefined;
  const events: (EvidenceEvent | undefined)[] = [];
  for (let group = 0; group < atoms.length; ) {
    const at = atoms[group + AT];
    let end = group;
    while (end < atoms.length && atoms[end + AT] === at) end += STRIDE;
    // Judge the whole group against the machines before it: records of the same instant do not
    // precede one another.
    // Each record's event, made once: judged, then stepped.
    events.length = 0;
    for (let i = group; i < end; i += STRIDE) {
      events.push(at === REFUSED_AT ? undefined : eventOf(atoms[i + INFO], at, atoms[i + AUX]));
    }
    if (wantAnomalies) {
      for (let i = group; i < end; i += STRIDE) judge(i, events[(i - group) / STRIDE]);
    }
    for (let i = group; i < end; i += STRIDE) {
      if (at === REFUSED_AT) continue;
      const key = atoms[i + KEY];
      if (firstCopy.has(key)) continue;
      firstCopy.set(key, at);
      const info = atoms[i + INFO];
      const event = events[(i - group) / STRIDE];
      if (event === undefined) continue;
      countRefetch(event, info, atoms[i + AUX]);
      stepMachines(machines, event);
      options.onStep?.(machines);
    }
    if (at !== REFUSED_AT) lastAt = at;
    group = end;
  }
  return { machines, anomalies, owners, records: firstCopy.size, scoreRefetch, watchlist, lastAt };

  function countRefetch(event: EvidenceEvent, info: number, aux: number): void {
    if (event.type === 'watchlist') {
      const ref = state.strings[aux - 1] ?? '';
      const known = watchlist.get(ref);
      if (known === undefined) watchlist.set(ref, { count: 1, after: event.at });
      else {
        known.count++;
        known.after = Math.max(known.after, event.at);
      }
      return;
    }
    const context = machines.onboarding.context;
    const asks =
      (event.type === 'ine-scraping' && 'progress' in event && event.progress === 'FINISHED') ||
      (isOnboardingStatus(event.type) &&
        STATUS_FACTS[event.type].decision !== undefined &&
        // A poll asks again only when it reveals a decision status not observed before.
        (!hasFlag(info, FLAG.poll) ||
          ((context.known | context.polled) & statusBit(event.type as EvidenceStatus)) === 0));
    if (asks) {
      scoreRefetch.count++;
      scoreRefetch.after = Math.max(scoreRefetch.after, event.at);
    }
  }

  function judge(i: number, event: EvidenceEvent | undefined): void {
    const at = atoms[i + AT];
    const key = atoms[i + KEY];
    const info = atoms[i + INFO];
    const note = hasFlag(info, FLAG.note) ? noteOf(state, at, key) : undefined;
    const kind = note?.kind ?? kindOf(info);
    if (at !== REFUSED_AT) {
      const first = firstCopy.get(key);
      if (first !== undefined) {
        add(
          i,
          kind,
          judgement(
            'duplicate',
            `a copy of the ${kind} delivery first received at ${isoTime(first)}; it counts once, at the earliest time`,
          ),
        );
        return;
      }
    }
    for (const found of note?.findings ?? []) add(i, kind, found);
    if (at === REFUSED_AT) return;
    const known = kindOf(info);
    if (known !== undefined && known !== 'poll' && KIND_FACTS[known].deprecated !== undefined) {
      add(i, kind, deprecation(known, KIND_FACTS[known].deprecated));
    }
    if (note?.sessions !== undefined && note.sessions.length > 1) add(i, kind, ambiguity(note, kind ?? 'record'));
    if (event === undefined || kind === undefined) return;
    const order = judgeOrder(machines, event, kind);
    if (order !== undefined) add(i, kind, order);
  }

  function add(i: number, kind: string | undefined, found: Finding): void {
    anomalies.push(anomalyOf(found, kind, atoms[i + AT], atoms[i + INFO], state.strings));
    owners.push(i);
  }
}

/** The machines' states as plain data: each machine's region values and context. */
export interface SessionMachines {
  readonly onboarding: MachineState<OnboardingContext>;
  readonly session: MachineState<SessionContext>;
  readonly evidence: MachineState<EvidenceContext>;
}

/** The machines' states, read back as values (region → state) and contexts. */
export function machineStates(machines: Machines): SessionMachines {
  return {
    onboarding: {
      value: compiledMachines.onboarding.valueOf(machines.onboarding.index),
      context: machines.onboarding.context,
    },
    session: { value: compiledMachines.session.valueOf(machines.session.index), context: machines.session.context },
    evidence: { value: compiledMachines.evidence.valueOf(machines.evidence.index), context: machines.evidence.context },
  };
}

/** Every state each machine passed through while reading a session's records, in order. */
export function visitedStates(state: SessionState | MutableState, flow: number): SessionMachines[] {
  const visited: SessionMachines[] = [];
  const { machines } = replay(state, flow, { anomalies: false, onStep: (now) => visited.push(machineStates(now)) });
  if (visited.length === 0) visited.push(machineStates(machines));
  return visited;
}

/** Where a session's machines stand after its records (for diagrams, traces and tests). */
export function sessionMachines(state: SessionState | MutableState, flow: number): SessionMachines {
  return machineStates(replay(state, flow, { anomalies: false }).machines);
}

/** A session's evidence events in the order the machines read them (each delivery once, earliest copy). */
export function eventsOf(state: SessionState | MutableState): EvidenceEvent[] {
  const events: EvidenceEvent[] = [];
  const seen = new Set<number>();
  const atoms = state.atoms;
  for (let i = 0; i < atoms.length; i += STRIDE) {
    const at = atoms[i + AT];
    if (at === REFUSED_AT || seen.has(atoms[i + KEY])) continue;
    seen.add(atoms[i + KEY]);
    const event = eventOf(atoms[i + INFO], at, atoms[i + AUX]);
    if (event !== undefined) events.push(event);
  }
  return events;
}
