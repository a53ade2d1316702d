/**
 * How the command line counts anomalies, shared by `replay`'s table and `validate`'s exit code:
 * by severity, except that a conflicting decision the core marks `settled` (a later poll settled
 * it) is history, counted apart and no longer an error that remains.
 */
import type { Anomaly } from '../types.js';
import type { Paint } from './style.js';

/** Counts of a session's anomalies: errors that remain, warnings, and settled conflicts. */
export function countAnomalies(anomalies: readonly Anomaly[]): { errors: number; warnings: number; settled: number } {
  let errors = 0;
  let warnings = 0;
  let settled = 0;
  for (const anomaly of anomalies) {
    if (anomaly.settled === true) settled++;
    else if (anomaly.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings, settled };
}

/** One anomaly as `validate` reports it: where, severity, code, session, and what happened. */
export function findingLine(anomaly: Anomaly, session: string | null, paint: Paint): string {
  const where = `${anomaly.source?.file ?? '-'}:${anomaly.source?.line ?? '-'}`;
  const severity = anomaly.settled
    ? paint('settled', 'dim')
    : paint(anomaly.severity, anomaly.severity === 'error' ? 'red' : 'yellow');
  const owner = session === null ? 'no session' : `session ${session}`;
  return `${paint(where, 'bold')}: ${severity} ${anomaly.code} (${owner}): ${anomaly.message}\n`;
}
