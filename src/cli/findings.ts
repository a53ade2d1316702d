/**
 * How the command line counts anomalies, shared by `replay`'s table and `validate`'s exit code:
 * by severity (`SEVERITY`), except that a conflicting decision a later poll settled is history,
 * reported as `settled` and no longer an error that remains.
 */
import type { Anomaly, Decision } from '../types.js';

/** Whether an anomaly of a session with this decision is a conflict since settled. */
export function isSettled(anomaly: Anomaly, decision: Decision): boolean {
  return anomaly.code === 'conflicting-decision' && decision !== 'conflict';
}

/** Counts of a session's anomalies: errors that remain, warnings, and settled conflicts. */
export function countAnomalies(
  anomalies: readonly Anomaly[],
  decision: Decision,
): { errors: number; warnings: number; settled: number } {
  let errors = 0;
  let warnings = 0;
  let settled = 0;
  for (const anomaly of anomalies) {
    if (isSettled(anomaly, decision)) settled++;
    else if (anomaly.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings, settled };
}
