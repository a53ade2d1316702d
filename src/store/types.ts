/**
 * The store: where the webhook service keeps delivery records durably, and beside them each
 * session's view, materialized in the same transaction as the append that changes it. One
 * interface, two implementations (embedded SQLite, PostgreSQL shared by several instances), one
 * test suite. Records are kept as the text they arrived as; what a view says is the core's
 * (`views.ts`), the store only keeps it up to date and finds it by index.
 */
import type { AnomalyCounts } from '../core/summary.js';
import type { ParsedRecord } from '../records/parse.js';
import type { RawDeliveryRecord as DeliveryRecord } from '../records/record.js';

/** A record to store. */
export interface RecordToStore {
  /**
   * The record as JSON text, its body exactly as it arrived (`recordText`). Stored and replayed
   * as it is; the same text written twice is stored once (its identity is `recordIdOf(text)`).
   */
  readonly text: string;
  /**
   * The record as the core read it (`parseRecord` of the value of `text`): the session it names,
   * its correlation ids, what it proves. The store reads `text` itself when it is absent; a
   * caller that has parsed the record passes it, so nothing is read twice.
   */
  readonly parsed?: ParsedRecord;
}

/** A stored record with its position in the store's total order. */
export interface StoredRecord {
  /** Increasing position; a reader resumes after the last one it saw. */
  readonly seq: number;
  /** The record's text exactly as stored (for an export: `recordLine(text)`). */
  readonly text: string;
  /** The record parsed from that text. */
  readonly record: DeliveryRecord;
  /**
   * The session it belongs to: the one it names or, when it names none, the session of the
   * earliest record (by receivedAt, then delivery key) that names one and carries one of its
   * correlation ids; `undefined` while no such record is stored.
   */
  readonly interviewId: string | undefined;
}

/** What `append` did with one record. */
export interface AppendOutcome {
  /** `false` when the same record (same `recordId`) was already stored. */
  readonly inserted: boolean;
  readonly seq: number;
  /** The session it belongs to once stored (for a record naming none: tied by a correlation id). */
  readonly interviewId?: string;
  /**
   * Anomalies the commit added to session views, by code. Each changed session's additions are
   * reported once, with the last record of the commit that changed it.
   */
  readonly anomalies?: AnomalyCounts;
}

/** A session's view as the store keeps it (`views.ts` reads it). */
export interface ViewRow {
  readonly interviewId: string;
  /** The store position of the latest change it reflects. */
  readonly seq: number;
  /** When it last changed: the writer's clock, in ms since the epoch. */
  readonly changedAt: number;
  readonly status: string;
  readonly decision: string;
  /** Its anomalies by code, as JSON text. */
  readonly anomalies: string;
  /** What it was written with (the core's state format and the flow); another version is rebuilt. */
  readonly version: string;
  /** The session's mergeable state, as JSON text. */
  readonly state: string;
}

/** Which session views to list. */
export interface ViewQuery {
  readonly status?: string;
  readonly decision?: string;
  /** With (true) or without (false) anomalies. */
  readonly anomalous?: boolean;
  /** Changed at or after this time (ms since the epoch). */
  readonly changedSince?: number;
  /** Ids starting with this text. */
  readonly prefix?: string;
  /** `id`: by session id; `recent`: latest change first (by store position). */
  readonly order: 'id' | 'recent';
  /** Continue after this one: a session id (`id` order) or a store position (`recent` order). */
  readonly after?: string | number;
  readonly limit: number;
}

/** Session views changed after a position, and how far a reader may resume from. */
export interface ViewChanges {
  /** Views whose latest change is after the position, in store order. */
  readonly views: readonly ViewRow[];
  /**
   * The position the reader has read up to: every change at or below it that will ever be
   * visible has been returned (or superseded by a later change of the same session).
   */
  readonly through: number;
}

/** Options of `refreshViews`. */
export interface RefreshOptions {
  /** Fold again every session of the page, even those whose view is up to date. */
  readonly force?: boolean;
}

/** Durable storage of delivery records and of the session views folded from them. */
export interface Store {
  /**
   * Store records durably, and update the views of the sessions they change in the same
   * transaction. Resolves only once committed (a crash after it resolves loses nothing).
   * Concurrent calls may share one commit (group commit). One call is one transaction: the
   * PostgreSQL store takes at most 2048 records a call (a `RangeError` beyond; split larger loads).
   */
  append(records: readonly RecordToStore[]): Promise<AppendOutcome[]>;
  /**
   * What a session's view is folded from, in store order: the records naming it, and every
   * record carrying a correlation id one of them carries (the records naming no session that may
   * belong to it, and the other sessions' records carrying the same id, which decide where those
   * belong and whether that is ambiguous). Each comes with the session it belongs to.
   */
  sessionRecords(interviewId: string): Promise<StoredRecord[]>;
  /**
   * Records after a position, in order, at most `limit`: for replay, export and change feeds.
   * A reader resuming after the last position it saw gets every record exactly once.
   */
  recordsAfter(seq: number, limit: number): Promise<StoredRecord[]>;
  /** The sessions records name, sorted, for paging (`after` an id, at most `limit`). */
  sessionIds(after: string | undefined, limit: number): Promise<string[]>;
  /** A session's stored view, by index. */
  view(interviewId: string): Promise<ViewRow | undefined>;
  /** Session views by index, filtered and paged. */
  views(query: ViewQuery): Promise<ViewRow[]>;
  /**
   * Views changed after a position, in store order (a change feed), at most `limit`; without a
   * position, the `limit` latest changed views (a first page), still in store order.
   */
  viewChanges(after: number | undefined, limit: number): Promise<ViewChanges>;
  /**
   * Fold again, from their records, the views of these sessions written in another version
   * (all of them with `force`); returns how many were rebuilt. A step of a rebuild (`rebuild.ts`).
   */
  refreshViews(interviewIds: readonly string[], options?: RefreshOptions): Promise<number>;
  /** The version every view was last rebuilt to (`undefined`: never, or not since an upgrade). */
  viewsVersion(): Promise<string | undefined>;
  /** Note that every view is now of this version (the end of a rebuild). */
  setViewsVersion(version: string): Promise<void>;
  /** How many sessions records name (for a rebuild's progress). */
  countSessions(): Promise<number>;
  /** Resolves when the store answers a trivial read now; rejects when it is down. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
