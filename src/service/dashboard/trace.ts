/**
 * A session's path through the machines, for the dashboard: its stored records folded one at a
 * time by the core's `Ledger`, in store order (the order they arrived), noting after each one
 * the machine states it entered and the anomalies the core reported about it. Nothing here
 * decides: the states and anomalies are the core's.
 */
import type { MachineName } from '../../../machines/index.js';
import { Ledger } from '../../core/ledger.js';
import { sessionMachines } from '../../core/replay.js';
import { initialSession, type SessionState } from '../../core/state.js';
import type { StoredRecord } from '../../store/types.js';
import type { Anomaly, FlowConfig } from '../../types.js';
import { flowBits } from '../../vendor/modules.js';
import { DIAGRAM_MACHINES } from './diagram.js';

/** What one record did to the session. */
export interface TraceStep {
  /** The record's store position. */
  readonly seq: number;
  readonly kind: string;
  readonly receivedAt: string;
  /** `waiting`: it names no session and waits for a record that ties its correlation id. */
  readonly routed: 'session' | 'waiting' | 'none';
  /** The states (`machine.region.state`) it moved the session into. */
  readonly entered: readonly string[];
  /** The anomalies it added to the session (judged by the records' own times). */
  readonly anomalies: readonly Anomaly[];
}

/** A session's machine states and the path that led there. */
export interface SessionTrace {
  readonly interviewId: string;
  /** Each machine's current value: region → state. */
  readonly machines: Readonly<Record<MachineName, Readonly<Record<string, string>>>>;
  /** The current states, as `machine.region.state`. */
  readonly current: readonly string[];
  /** Every state the session has been in (the initial states included). */
  readonly reached: readonly string[];
  /** One step per stored record, in store order. */
  readonly steps: readonly TraceStep[];
}

type Values = Record<MachineName, Readonly<Record<string, string>>>;

function valuesOf(state: SessionState, flow: number): Values {
  const machines = sessionMachines(state, flow);
  return { onboarding: machines.onboarding.value, session: machines.session.value, evidence: machines.evidence.value };
}

function refsOf(values: Values): string[] {
  return DIAGRAM_MACHINES.flatMap((name) =>
    Object.entries(values[name]).map(([region, state]) => `${name}.${region}.${state}`),
  );
}

/** Fold a session's stored records one by one; `undefined` when none of them reaches it. */
export function traceSession(
  interviewId: string,
  records: readonly StoredRecord[],
  flow?: FlowConfig,
): SessionTrace | undefined {
  const bits = flowBits(flow);
  const ledger = new Ledger({ flow, changes: true });
  const steps: TraceStep[] = [];
  // Before any record, a session is in its machines' initial states.
  let known = new Set(refsOf(valuesOf(initialSession(interviewId), bits)));
  const reached = new Set(known);
  for (const stored of records) {
    const routed = ledger.addRaw(stored.record);
    const state = ledger.state(interviewId);
    const entered: string[] = [];
    let noted: readonly Anomaly[] = [];
    if (state !== undefined) {
      const now = refsOf(valuesOf(state, bits));
      for (const ref of now) if (!known.has(ref)) entered.push(ref);
      known = new Set(now);
      for (const ref of now) reached.add(ref);
      noted = routed.changes?.find((change) => change.interviewId === interviewId)?.added ?? [];
    } else if (routed.to === 'none') {
      noted = routed.anomalies;
    }
    const record = stored.record as { kind?: unknown; receivedAt?: unknown };
    steps.push({
      seq: stored.seq,
      kind: String(record.kind),
      receivedAt: String(record.receivedAt),
      routed: routed.to,
      entered,
      anomalies: noted,
    });
  }
  const state = ledger.state(interviewId);
  if (state === undefined) return undefined;
  const machines = valuesOf(state, bits);
  return { interviewId, machines, current: refsOf(machines), reached: [...reached].sort(), steps };
}
