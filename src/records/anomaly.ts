/**
 * How anomalies are built: one severity per code (SPEC 2.2), and sentences that say what arrived,
 * what was expected, and what it means.
 */
import type { Anomaly, AnomalyCode, RecordSource, Severity } from '../types.js';

/** The severity of each anomaly code: errors are data missing or contradicting. */
export const SEVERITY: Readonly<Record<AnomalyCode, Severity>> = {
  duplicate: 'warning',
  'late-delivery': 'warning',
  'stale-poll': 'warning',
  'conflicting-decision': 'error',
  'unknown-status': 'error',
  'unknown-kind': 'error',
  'invalid-payload': 'error',
  'deprecated-webhook': 'warning',
  'after-terminal': 'warning',
  uncorrelated: 'error',
};

/** Where an anomaly points: the record's kind, time and position. */
export interface AnomalyContext {
  readonly kind?: string;
  readonly receivedAt?: string;
  readonly source?: RecordSource;
}

/** An anomaly with its severity, pointing at a record. */
export function anomaly(
  code: AnomalyCode,
  message: string,
  where: AnomalyContext,
  detail?: { field?: string; expected?: string; got?: string },
): Anomaly {
  const result: Record<string, unknown> = { code, severity: SEVERITY[code], message };
  if (where.kind !== undefined) result.kind = where.kind;
  if (where.receivedAt !== undefined) result.receivedAt = where.receivedAt;
  if (where.source !== undefined) result.source = where.source;
  if (detail?.field !== undefined) result.field = detail.field;
  if (detail?.expected !== undefined) result.expected = detail.expected;
  if (detail?.got !== undefined) result.got = detail.got;
  return result as unknown as Anomaly;
}

/** A short description of a value as it arrived, for "got …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}
