/**
 * The session view: status, decision, fetchable modules and anomalies. Status, decision and
 * fetchability are read from the machines' final states and tags (a module's region tagged
 * `final` or `preliminary`, the review region's state); nothing here decides them a second time.
 * What must be fetched again and the anomalies come from the same replay of the records.
 */
import { decisionStatus, settlingPoll } from '../../machines/index.js';
import { isoTime } from '../records/time.js';
import type { Anomaly, Decision, FlowConfig, ModuleAccess, ModuleName, SessionView } from '../types.js';
import { flowBits, MODULE_NAMES, MODULES, STAGE_TAGS } from '../vendor/modules.js';
import { DECISION_RANK, STATUS_FACTS } from '../vendor/statuses.js';
import { compiledMachines, type Machines, type Replayed, replay, statusOf } from './replay.js';
import type { MutableState, SessionState } from './state.js';
import { compareIds } from './ties.js';

/** What the machines' states say: the parts of the view they decide. */
export type MachineReading = Pick<
  SessionView,
  'status' | 'decision' | 'fetchable' | 'pollRequested' | 'terminal' | 'session'
> & {
  readonly stages: Readonly<Partial<Record<ModuleName, 'final' | 'preliminary'>>>;
  readonly evidence: Readonly<Partial<Record<ModuleName, string>>>;
};

/** The decision each state of the review region stands for. */
/** Every decision a view can hold. */
export const DECISIONS = [
  'none',
  'pending-review',
  'approved',
  'rejected',
  'conflict',
] as const satisfies readonly Decision[];

const DECISION_OF_REVIEW: Readonly<Record<string, Decision>> = {
  none: 'none',
  pendingReview: 'pending-review',
  approved: 'approved',
  rejected: 'rejected',
  conflict: 'conflict',
};

/** Read status, decision and fetchability from the machines' states alone. */
export function readMachines(machines: Machines): MachineReading {
  const { onboarding, session } = compiledMachines;
  const decision = DECISION_OF_REVIEW[onboarding.regionState(machines.onboarding.index, 'review')];
  let status = statusOf(machines.onboarding.context);
  if (STATUS_FACTS[status].rank === DECISION_RANK)
    status = decisionStatus(machines.onboarding.context.decisions) ?? status;
  const stages: Partial<Record<ModuleName, 'final' | 'preliminary'>> = {};
  const evidenceOf: Partial<Record<ModuleName, string>> = {};
  const fetchable: ModuleName[] = [];
  for (const name of MODULE_NAMES) {
    const machine = compiledMachines[MODULES[name].machine];
    const index = machines[MODULES[name].machine].index;
    const stage = STAGE_TAGS.find((tag) => machine.hasTag(index, tag, name));
    if (stage === undefined) continue;
    stages[name] = stage;
    evidenceOf[name] = `${machine.id}.${name}.${machine.regionState(index, name)}`;
    fetchable.push(name);
  }
  return {
    status,
    decision,
    fetchable,
    stages,
    evidence: evidenceOf,
    pollRequested: onboarding.hasTag(machines.onboarding.index, 'pollRequested', 'review'),
    terminal: onboarding.hasTag(machines.onboarding.index, 'terminal', 'review'),
    session: session.regionState(machines.session.index, 'lifecycle'),
  };
}

/** Conflicts a poll has settled since say so, and by which poll. */
function markSettled(replayed: Replayed, decision: Decision): Anomaly[] {
  if (decision === 'conflict') return replayed.anomalies;
  const poll = settlingPoll(replayed.machines.onboarding.context.decisions);
  if (poll?.requestedAt === undefined) return replayed.anomalies;
  const by = `settled since by the poll sent at ${isoTime(poll.requestedAt)} (${decision})`;
  return replayed.anomalies.map((anomaly) =>
    anomaly.code !== 'conflicting-decision'
      ? anomaly
      : {
          ...anomaly,
          message: anomaly.message.includes('it settles') ? anomaly.message : `${anomaly.message}; ${by}`,
          settled: true,
        },
  );
}

/** The view of a replayed session. */
export function viewOf(interviewId: string, replayed: Replayed): SessionView {
  const reading = readMachines(replayed.machines);
  const modules: Partial<Record<ModuleName, ModuleAccess>> = {};
  for (const name of reading.fetchable) {
    const fact = MODULES[name];
    const access: { -readonly [K in keyof ModuleAccess]: ModuleAccess[K] } = {
      stage: reading.stages[name] as 'final' | 'preliminary',
      endpoints: fact.endpoints,
      evidence: [reading.evidence[name] as string],
    };
    if (fact.refetch === 'decisions' && replayed.scoreRefetch.count > 0) {
      access.refetch = {
        reason: 'a manual-review decision or a finished INE scraping changed the score',
        after: isoTime(replayed.scoreRefetch.after),
        count: replayed.scoreRefetch.count,
      };
    }
    if (fact.refetch === 'watchlist-updates' && replayed.watchlist.size > 0) {
      const refs = [...replayed.watchlist.entries()]
        .sort(([a], [b]) => compareIds(a, b))
        .map(([ref, { count, after }]) => ({ ref, updates: count, after: isoTime(after) }));
      access.refs = refs;
      access.refetch = {
        reason: 'each watchlist update asks for its results to be fetched again',
        after: isoTime(Math.max(...[...replayed.watchlist.values()].map((entry) => entry.after))),
        count: refs.reduce((sum, ref) => sum + ref.updates, 0),
      };
    }
    modules[name] = access;
  }
  return {
    interviewId,
    status: reading.status,
    decision: reading.decision,
    fetchable: reading.fetchable,
    modules,
    pollRequested: reading.pollRequested,
    terminal: reading.terminal,
    session: reading.session,
    anomalies: markSettled(replayed, reading.decision),
    records: replayed.records,
  };
}

/** The session view. A flow configuration narrows what completion makes fetchable. */
export function viewSession(state: SessionState | MutableState, flow?: FlowConfig): SessionView {
  return viewOf(state.interviewId, replay(state, flowBits(flow)));
}
