/**
 * How findings are built: one severity per code, and sentences that say what arrived, what was
 * expected, and what it means, cut to a readable length. Equal findings are one shared object,
 * so a million records with the same problem cost one message.
 */
import type { AnomalyCode, Finding, Severity } from '../types.js';
import { cut } from './json.js';

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
  'ambiguous-correlation': 'error',
};

/** The longest message a finding carries. */
export const MESSAGE_LIMIT = 400;

/** What an invalid field was: its name, what was expected and what arrived. */
export interface FieldDetail {
  readonly field?: string;
  readonly expected?: string;
  readonly got?: string;
}

const interned = new Map<string, Finding>();
const INTERN_LIMIT = 10_000;

/** A finding with its severity; equal findings are the same (frozen) object. */
export function finding(code: AnomalyCode, message: string, detail?: FieldDetail): Finding {
  const text = cut(message, MESSAGE_LIMIT);
  const id = `${code}\u0000${text}\u0000${detail?.field ?? ''}\u0000${detail?.expected ?? ''}\u0000${detail?.got ?? ''}`;
  const known = interned.get(id);
  if (known !== undefined) return known;
  const result: { -readonly [K in keyof Finding]: Finding[K] } = { code, severity: SEVERITY[code], message: text };
  if (detail?.field !== undefined) result.field = cut(detail.field);
  if (detail?.expected !== undefined) result.expected = cut(detail.expected, 120);
  if (detail?.got !== undefined) result.got = cut(detail.got, 120);
  Object.freeze(result);
  // Messages quoting outside values can be all different: intern only so many.
  if (interned.size < INTERN_LIMIT) interned.set(id, result);
  return result;
}

/**
 * A finding about a record's place in its session's order, made for one view: its message names
 * times, so no two are alike and none is kept for sharing (`finding` interns; this does not).
 */
export function judgement(code: AnomalyCode, message: string): Finding {
  return { code, severity: SEVERITY[code], message: cut(message, MESSAGE_LIMIT) };
}
