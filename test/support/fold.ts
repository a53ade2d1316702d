/** Small helpers the tests share: fold records, and the parts of a view the laws compare. */

import type { DeliveryRecord } from '../../src/index.js';
import { Ledger, type LedgerOptions, type SessionView } from '../../src/index.js';

/** Fold records, in the order given, into a ledger. */
export function fold(records: readonly DeliveryRecord[], options?: LedgerOptions): Ledger {
  const ledger = new Ledger(options);
  for (const record of records) ledger.add(record);
  return ledger;
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
