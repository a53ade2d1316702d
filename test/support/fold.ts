/** Small helpers the tests share: fold records, and the parts of a view the laws compare. */

import { Ledger, type LedgerOptions, type LedgerSnapshot, type SessionView } from '../../src/index.js';
import type { Rec } from './records.js';

/** Fold records, in the order given, into a ledger. */
export function fold(records: readonly Rec[], options?: LedgerOptions): Ledger {
  const ledger = new Ledger(options);
  for (const record of records) ledger.addRaw(record);
  return ledger;
}

/** Fold each piece into a ledger of its own, then merge them in the order given. */
export function foldPieces(pieces: readonly (readonly Rec[])[], options?: LedgerOptions): Ledger {
  const [first, ...rest] = pieces.map((piece) => fold(piece, options));
  for (const other of rest) first.merge(other.export());
  return first;
}

/** What law 2 says must not depend on order: status, decision and fetchable (with details). */
export function decisionsOf(
  ledger: Ledger,
): Record<string, Pick<SessionView, 'status' | 'decision' | 'fetchable' | 'modules'>> {
  const out: Record<string, Pick<SessionView, 'status' | 'decision' | 'fetchable' | 'modules'>> = {};
  for (const view of ledger.snapshot().sessions) {
    out[view.interviewId] = {
      status: view.status,
      decision: view.decision,
      fetchable: view.fetchable,
      modules: view.modules,
    };
  }
  return out;
}

/** A snapshot without each anomaly's `source` (where its record was read: it may differ). */
export function withoutSources(snapshot: LedgerSnapshot): LedgerSnapshot {
  const strip = <T extends { source?: unknown }>(anomaly: T): T => {
    const { source: _source, ...rest } = anomaly;
    return rest as T;
  };
  return {
    sessions: snapshot.sessions.map((view) => ({ ...view, anomalies: view.anomalies.map(strip) })),
    anomalies: snapshot.anomalies.map(strip),
  };
}
