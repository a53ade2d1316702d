/**
 * Many sessions at once: routes each record to its session, including records that name no
 * session but carry an id another record tied to one (`requestId`, an identity id). A record
 * waits until such a tie is known; what never finds a session is reported as `uncorrelated`.
 */
import { anomaly } from '../records/anomaly.js';
import { deliveryKey } from '../records/key.js';
import { type DeliveryRecord, type ParsedRecord, type ParseResult, parseLine, parseRecord } from '../records/parse.js';
import type { Anomaly, FlowConfig, RecordSource, SessionView } from '../types.js';
import { applyRecord, initialSession, noteRefused, type SessionState } from './session.js';
import { viewSession } from './view.js';

/** Options of a ledger. */
export interface LedgerOptions {
  /** The flow configuration that narrows what `ONBOARDING_FINISHED` makes fetchable. */
  readonly flow?: FlowConfig;
}

/** What a ledger did with one record. */
export type Routed =
  | { readonly to: 'session'; readonly interviewId: string }
  | { readonly to: 'waiting'; readonly correlation: readonly string[] }
  | { readonly to: 'none'; readonly anomaly: Anomaly };

/** Everything a replay knows: the session views and the anomalies that belong to no session. */
export interface LedgerSnapshot {
  readonly sessions: readonly SessionView[];
  readonly anomalies: readonly Anomaly[];
}

/** Folds delivery records of many sessions into session states. In memory; no I/O. */
export class Ledger {
  readonly #sessions = new Map<string, SessionState>();
  readonly #ties = new Map<string, string>();
  readonly #waiting = new Map<string, ParsedRecord[]>();
  readonly #orphans: Anomaly[] = [];
  readonly #flow: FlowConfig | undefined;

  constructor(options: LedgerOptions = {}) {
    this.#flow = options.flow;
  }

  /** Read and apply one record (any value: it is checked, never trusted). */
  add(record: DeliveryRecord | unknown, source?: RecordSource): Routed {
    return this.apply(parseRecord(record, source));
  }

  /** Read and apply one line of a JSON Lines log. */
  addLine(line: string, source?: RecordSource): Routed {
    return this.apply(parseLine(line, source));
  }

  /** Apply a parse result. */
  apply(result: ParseResult): Routed {
    if (!result.ok) {
      if (result.sessionId === undefined) {
        this.#orphans.push(result.anomaly);
        return { to: 'none', anomaly: result.anomaly };
      }
      const key = deliveryKey(
        'refused',
        result.anomaly.message,
        result.anomaly.receivedAt,
        result.anomaly.source?.line,
      );
      this.#put(noteRefused(this.#session(result.sessionId), key, result.anomaly));
      return { to: 'session', interviewId: result.sessionId };
    }
    const parsed = result.parsed;
    const interviewId =
      parsed.sessionId ?? parsed.correlation.map((id) => this.#ties.get(id)).find((id) => id !== undefined);
    if (interviewId === undefined) {
      if (parsed.correlation.length > 0) {
        for (const id of parsed.correlation) {
          const list = this.#waiting.get(id);
          if (list) list.push(parsed);
          else this.#waiting.set(id, [parsed]);
        }
        return { to: 'waiting', correlation: parsed.correlation };
      }
      const orphan = anomaly(
        'uncorrelated',
        `a ${parsed.record.kind} delivery names no session (no interviewId) and no id that leads to one`,
        { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source },
      );
      this.#orphans.push(...parsed.anomalies, orphan);
      return { to: 'none', anomaly: orphan };
    }
    this.#put(applyRecord(this.#session(interviewId), parsed));
    if (parsed.sessionId !== undefined) this.#tie(parsed.correlation, interviewId);
    return { to: 'session', interviewId };
  }

  /** Tie correlation ids to a session, and apply what was waiting for them. */
  #tie(correlation: readonly string[], interviewId: string): void {
    for (const id of correlation) {
      if (this.#ties.has(id)) continue;
      this.#ties.set(id, interviewId);
      const waiting = this.#waiting.get(id);
      if (waiting === undefined) continue;
      this.#waiting.delete(id);
      for (const parsed of waiting) {
        // A record waiting under several ids is applied once, by the first tie found.
        for (const other of parsed.correlation) {
          const list = this.#waiting.get(other);
          if (list)
            this.#waiting.set(
              other,
              list.filter((item) => item !== parsed),
            );
        }
        this.#put(applyRecord(this.#session(interviewId), parsed));
      }
    }
  }

  #session(interviewId: string): SessionState {
    return this.#sessions.get(interviewId) ?? initialSession(interviewId);
  }

  #put(state: SessionState): void {
    this.#sessions.set(state.interviewId, state);
  }

  /** A session's state (plain JSON), if any record reached it. */
  state(interviewId: string): SessionState | undefined {
    return this.#sessions.get(interviewId);
  }

  /** A session's view, if any record reached it. */
  view(interviewId: string): SessionView | undefined {
    const state = this.#sessions.get(interviewId);
    return state && viewSession(state, this.#flow);
  }

  /** The sessions' ids, sorted. */
  sessionIds(): string[] {
    return [...this.#sessions.keys()].sort();
  }

  /** How many sessions the ledger holds. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Anomalies of records that belong to no session, including those still waiting for a tie. */
  anomalies(): Anomaly[] {
    const waiting = new Set<ParsedRecord>();
    for (const list of this.#waiting.values()) for (const parsed of list) waiting.add(parsed);
    const uncorrelated = [...waiting].map((parsed) =>
      anomaly(
        'uncorrelated',
        `a ${parsed.record.kind} delivery names no session, and no record tied its ${parsed.correlation.join(', ')} to one`,
        { kind: parsed.record.kind, receivedAt: parsed.record.receivedAt, source: parsed.source },
      ),
    );
    return [...this.#orphans, ...uncorrelated];
  }

  /** Every session view (sorted by `interviewId`) and the anomalies that belong to no session. */
  snapshot(): LedgerSnapshot {
    return {
      sessions: this.sessionIds().map((id) => viewSession(this.#sessions.get(id) as SessionState, this.#flow)),
      anomalies: this.anomalies(),
    };
  }
}
