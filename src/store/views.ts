/**
 * The fold/view service: how a session's view is kept beside its records, as the core computes
 * it. The stores call it inside the transaction that appends records; the service calls it to
 * read a record once on arrival and to answer with views. Nothing here decides what a view says:
 * it merges states (`merge` is the union of record sets) and asks the core for the view.
 *
 * Two paths keep a view current:
 * - merge: a record naming its session, and tied to no other by a correlation id, is merged into
 *   the session's stored state. No other record of the session is read; the view is then replayed
 *   from the state, which costs time in the number of the session's distinct records.
 * - fold: when a record can move records between sessions (it carries a correlation id that
 *   records naming no session also carry, or it names none itself), the sessions it may change
 *   are folded again from their records (`Store.sessionRecords`), as a replay would. So is a view
 *   written by another version of the core (`version`), at a rebuild or when a delivery reaches it.
 */
import { Ledger } from '../core/ledger.js';
import {
  applyInPlace,
  freeze,
  initialSession,
  restoreState,
  type SessionState,
  STATE_VERSION,
  StateVersionError,
  thaw,
} from '../core/state.js';
import { type AnomalyCounts, anomaliesAdded, flowKey, summarize } from '../core/summary.js';
import { viewSession } from '../core/view.js';
import { type ParsedRecord, parseRecord } from '../records/parse.js';
import { parseTime } from '../records/time.js';
import type { FlowConfig, SessionView } from '../types.js';
import { recordIdOf } from './record.js';
import type { RecordToStore, StoredRecord, ViewRow } from './types.js';

/** The format of what this module writes beside the state (bump it when a column's meaning changes). */
const VIEWS_FORMAT = 'views@1';

/** A view's new contents, before the store adds its position and time. */
export interface ViewUpdate {
  readonly interviewId: string;
  readonly status: string;
  readonly decision: string;
  /** Whether it reports any anomaly. */
  readonly anomalous: boolean;
  /** Its anomalies by code, as JSON text. */
  readonly anomalies: string;
  readonly version: string;
  readonly state: string;
  /** Anomalies by code this change added (for /metrics). */
  readonly added: AnomalyCounts;
}

/** A record to append, read once: its identity and text, the core's reading, and where it belongs. */
export interface Placed {
  /** Its identity: `recordIdOf(text)`. */
  readonly recordId: string;
  readonly text: string;
  readonly parsed: ParsedRecord;
  /** The session it names. */
  readonly interviewId: string | undefined;
  /** Its correlation ids, each once (none for a refused record). */
  readonly ids: readonly string[];
  /** When it was received (absent for a refused record) and its delivery key (then 0). */
  readonly at: number | undefined;
  readonly key: number;
}

/** The fold/view service a store keeps its views with. */
export interface ViewKeeper {
  /** What views are written with: the core's state format and the flow. Others are rebuilt. */
  readonly version: string;
  /** A record to store, read by the core once. Never throws: an unreadable value is refused, kept. */
  toStore(text: string, value?: unknown): Required<RecordToStore>;
  /** A record to append, read once (by `toStore` when the caller has not parsed it), and where it belongs. */
  place(item: RecordToStore): Placed;
  /**
   * A session's view after adding records to its stored view (absent for a new session):
   * `undefined` when nothing changed, `'fold'` when the stored view cannot be merged into (it was
   * written by another version) and the session must be folded from its records.
   */
  merge(
    interviewId: string,
    stored: ViewRow | undefined,
    records: readonly ParsedRecord[],
  ): ViewUpdate | undefined | 'fold';
  /** A session's view folded from its records (`Store.sessionRecords`); `undefined` if none reach it. */
  fold(interviewId: string, records: readonly StoredRecord[], stored: ViewRow | undefined): ViewUpdate | undefined;
  /** The view a stored row stands for; `undefined` when it was written by another version. */
  render(row: ViewRow): SessionView | undefined;
  /** A session's view folded from its records, for a read that found no current row. */
  viewOf(interviewId: string, records: readonly StoredRecord[]): SessionView | undefined;
}

/** Options of {@link createViewKeeper}. */
export interface ViewKeeperOptions {
  /** The flow configuration that narrows what `ONBOARDING_FINISHED` makes fetchable. */
  readonly flow?: FlowConfig;
}

const NONE: AnomalyCounts = Object.freeze({});

function readCounts(text: string | undefined): AnomalyCounts {
  if (text === undefined) return NONE;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as AnomalyCounts) : NONE;
  } catch {
    return NONE;
  }
}

/** Create the fold/view service for a flow. */
export function createViewKeeper(options: ViewKeeperOptions = {}): ViewKeeper {
  const { flow } = options;
  const version = `${STATE_VERSION} ${VIEWS_FORMAT} ${flowKey(flow)}`;

  const update = (interviewId: string, state: SessionState, stored: ViewRow | undefined): ViewUpdate => {
    const summary = summarize(state, flow);
    const anomalies = JSON.stringify(summary.anomalies);
    return {
      interviewId,
      status: summary.status,
      decision: summary.decision,
      anomalous: summary.view.anomalies.length > 0,
      anomalies,
      version,
      state: JSON.stringify(state),
      added: anomaliesAdded(readCounts(stored?.anomalies), summary.anomalies),
    };
  };

  const restore = (row: ViewRow): SessionState | undefined => {
    if (row.version !== version) return undefined;
    try {
      return restoreState(JSON.parse(row.state));
    } catch (error) {
      if (error instanceof StateVersionError) return undefined;
      throw error;
    }
  };

  const ledgerOf = (records: readonly StoredRecord[]) => {
    const ledger = new Ledger({ flow });
    for (const stored of records) ledger.addRaw(stored.record);
    return ledger;
  };

  const toStore = (text: string, value?: unknown): Required<RecordToStore> => {
    let parsed: ParsedRecord;
    try {
      // JSON.parse reads any depth of nesting (it does not recurse).
      parsed = parseRecord(value === undefined ? JSON.parse(text) : value);
    } catch {
      // The core reads any JSON value without throwing; should it throw anyway, the record is
      // kept as one of no session (refused), rather than lost.
      parsed = parseRecord(undefined);
    }
    return { text, parsed };
  };

  return {
    version,
    toStore,
    place(item) {
      const { text, parsed } = item.parsed === undefined ? toStore(item.text) : (item as Required<RecordToStore>);
      return {
        recordId: recordIdOf(text),
        text,
        parsed,
        interviewId: parsed.sessionId,
        ids: parsed.refused ? [] : [...new Set(parsed.correlation)],
        at: parsed.at,
        key: parsed.at === undefined ? 0 : parsed.key,
      };
    },
    merge(interviewId, stored, records) {
      let state: SessionState;
      if (stored === undefined) state = initialSession(interviewId);
      else {
        const restored = restore(stored);
        if (restored === undefined) return 'fold';
        state = restored;
      }
      const next = thaw(state);
      let changed = false;
      for (const parsed of records) if (applyInPlace(next, parsed)) changed = true;
      return changed ? update(interviewId, freeze(next), stored) : undefined;
    },
    fold(interviewId, records, stored) {
      const state = ledgerOf(records).state(interviewId);
      return state === undefined ? undefined : update(interviewId, state, stored);
    },
    render(row) {
      const state = restore(row);
      return state === undefined ? undefined : viewSession(state, flow);
    },
    viewOf(interviewId, records) {
      return ledgerOf(records).view(interviewId);
    },
  };
}

/**
 * Where a view folded again by a rebuild stands: a stored view keeps its position and time; a
 * session with none stored takes the position of its latest record and, as when it last changed,
 * the latest `receivedAt` of its records (`fallback` when none can be read).
 */
export function rebuiltStamp(
  interviewId: string,
  records: readonly StoredRecord[],
  stored: ViewRow | undefined,
  fallback: number,
): { readonly seq: number; readonly changedAt: number } {
  if (stored !== undefined) return { seq: stored.seq, changedAt: stored.changedAt };
  let seq = 0;
  let changedAt = 0;
  for (const record of records) {
    if (record.interviewId !== interviewId) continue;
    seq = Math.max(seq, record.seq);
    const { receivedAt } = record.record as { receivedAt?: unknown };
    const at = typeof receivedAt === 'string' ? parseTime(receivedAt) : undefined;
    if (at !== undefined && at > changedAt) changedAt = at;
  }
  return { seq, changedAt: changedAt === 0 ? fallback : changedAt };
}
