/**
 * A session's summary: its state, its view, and the fields of that view a store keeps beside the
 * state so readers can filter by index (status, decision, anomalies by code). Derived in one
 * replay of the state; nothing here decides anything the view does not already say.
 */
import type { Anomaly, Decision, FlowConfig, SessionView } from '../types.js';
import { flowBits } from '../vendor/modules.js';
import type { OnboardingStatus } from '../vendor/statuses.js';
import type { SessionState } from './state.js';
import { viewSession } from './view.js';

/** How many anomalies of each code a view reports. */
export type AnomalyCounts = Readonly<Record<string, number>>;

/** A session's view and what readers filter it by. */
export interface SessionSummary {
  readonly view: SessionView;
  readonly status: OnboardingStatus;
  readonly decision: Decision;
  /** Its anomalies by code. */
  readonly anomalies: AnomalyCounts;
}

/** The summary of a state: its view (one replay) and the fields read from it. */
export function summarize(state: SessionState, flow?: FlowConfig): SessionSummary {
  const view = viewSession(state, flow);
  return { view, status: view.status, decision: view.decision, anomalies: countAnomalies(view.anomalies) };
}

/** Anomalies counted by code. */
export function countAnomalies(anomalies: readonly Anomaly[]): AnomalyCounts {
  const counts: Record<string, number> = {};
  for (const anomaly of anomalies) counts[anomaly.code] = (counts[anomaly.code] ?? 0) + 1;
  return counts;
}

/**
 * What a change added, by code: for each code, how many more anomalies `after` reports than
 * `before` (codes with fewer or as many are left out).
 */
export function anomaliesAdded(before: AnomalyCounts | undefined, after: AnomalyCounts): AnomalyCounts {
  const added: Record<string, number> = {};
  for (const [code, count] of Object.entries(after)) {
    const more = count - (before?.[code] ?? 0);
    if (more > 0) added[code] = more;
  }
  return added;
}

/**
 * A key naming what a summary depends on besides the records: the flow configuration (it
 * narrows what completion makes fetchable). Summaries written under another key are rebuilt.
 */
export const flowKey = (flow: FlowConfig | undefined): string => `flow:${flowBits(flow).toString(36)}`;
