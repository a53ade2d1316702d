/**
 * The session view (SPEC 2.2): status, decision, fetchable modules and anomalies, derived from a
 * session's state. Fetchability is read from the modules table (`src/vendor/modules.ts`).
 */
import type { FlowConfig, ModuleAccess, ModuleName, Refetch, SessionView } from '../types.js';
import { COMPLETED, MODULE_NAMES, MODULES, type StateRef } from '../vendor/modules.js';
import { DECISION_RANK, highestStatus, impliedBy, STATUS_FACTS } from '../vendor/statuses.js';
import { decide, decisionStatus } from './decision.js';
import { itemsOf } from './keyed.js';
import type { SessionState } from './session.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether a session's machines are in the state a table names. */
export function matchesState(state: SessionState, ref: StateRef): boolean {
  const [machine, region, value] = ref.split('.') as [keyof SessionState['machines'], string, string];
  return state.machines[machine].value[region] === value;
}

function refetchOf(state: SessionState, module: ModuleName): Pick<ModuleAccess, 'refetch' | 'refs'> {
  const kind = MODULES[module].refetch;
  if (kind === 'decisions') {
    const times = [
      ...itemsOf(state.machines.onboarding.context.review.decisions)
        .filter((item) => item.status !== null)
        .map((item) => item.at),
      ...itemsOf(state.machines.evidence.context.ineFinished).map((item) => item.at),
    ];
    if (times.length === 0) return {};
    const refetch: Refetch = {
      reason: 'a manual-review decision or a finished INE scraping changed the score',
      after: iso(Math.max(...times)),
      count: times.length,
    };
    return { refetch };
  }
  if (kind === 'watchlist-updates') {
    const byRef = new Map<string, { updates: number; at: number }>();
    for (const update of itemsOf(state.machines.evidence.context.watchlist)) {
      const known = byRef.get(update.ref);
      byRef.set(update.ref, { updates: (known?.updates ?? 0) + 1, at: Math.max(known?.at ?? 0, update.at) });
    }
    const refs = [...byRef.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ref, { updates, at }]) => ({ ref, updates, after: iso(at) }));
    const total = refs.reduce((sum, ref) => sum + ref.updates, 0);
    const latest = Math.max(...[...byRef.values()].map((entry) => entry.at));
    return {
      refs,
      refetch: {
        reason: 'each watchlist update asks for its results to be fetched again',
        after: iso(latest),
        count: total,
      },
    };
  }
  return {};
}

function accessOf(state: SessionState, module: ModuleName, flow: FlowConfig | undefined): ModuleAccess | undefined {
  const fact = MODULES[module];
  const completed =
    matchesState(state, COMPLETED) &&
    (fact.byCompletion === 'always' ||
      (fact.byCompletion === 'if-in-flow' && (flow === undefined || flow.modules.includes(module as never))));
  const finalBy = fact.final.filter((ref) => matchesState(state, ref));
  if (completed) finalBy.push(COMPLETED);
  const stage = finalBy.length > 0 ? 'final' : 'preliminary';
  const evidence = finalBy.length > 0 ? finalBy : fact.preliminary.filter((ref) => matchesState(state, ref));
  if (evidence.length === 0) return undefined;
  return { stage, endpoints: fact.endpoints, evidence, ...refetchOf(state, module) };
}

/** The session view of SPEC 2.2. A flow configuration narrows what completion makes fetchable. */
export function viewSession(state: SessionState, flow?: FlowConfig): SessionView {
  const onboarding = state.machines.onboarding.context;
  const decision = decide(onboarding.review);
  let status = highestStatus(onboarding.known | impliedBy(onboarding.known));
  if (STATUS_FACTS[status].rank === DECISION_RANK) status = decisionStatus(onboarding.review) ?? status;
  const modules: Partial<Record<ModuleName, ModuleAccess>> = {};
  const fetchable: ModuleName[] = [];
  for (const name of MODULE_NAMES) {
    const access = accessOf(state, name, flow);
    if (access === undefined) continue;
    modules[name] = access;
    fetchable.push(name);
  }
  return {
    interviewId: state.interviewId,
    status,
    decision,
    fetchable,
    modules,
    pollRequested: decision === 'conflict',
    terminal: decision === 'approved' || decision === 'rejected',
    session: state.machines.session.value.lifecycle,
    anomalies: state.anomalies,
    records: state.records,
  };
}
