/**
 * The store: where the webhook service keeps delivery records durably. One interface, two
 * implementations (embedded SQLite, PostgreSQL shared by several instances), one test suite.
 * It stores delivery records as the text they arrived as; it decides nothing about them.
 */
import type { RawDeliveryRecord as DeliveryRecord } from '../records/record.js';

/** A record to store, with what the service read from it to find its session. */
export interface RecordToStore {
  /**
   * The record as JSON text, its body exactly as it arrived (`recordText`). Stored and replayed
   * as it is; the same text written twice is stored once (its identity is `recordIdOf(text)`).
   */
  readonly text: string;
  /** The session it names, if any. */
  readonly interviewId: string | undefined;
  /**
   * Correlation ids it carries (`requestId:…`, `identity:…`): a record naming no session belongs
   * to the session of the earliest record (by `at`, then `key`) that names one and carries an id.
   */
  readonly correlation: readonly string[];
  /** When it was received (ms), as the core reads it; absent for a record the core refused. */
  readonly at?: number;
  /** Its delivery key, as the core reads it: breaks ties of `at` between records carrying an id. */
  readonly key?: number;
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
}

/** Durable storage of delivery records. */
export interface Store {
  /**
   * Store records durably. Resolves only once they are committed (a crash after it resolves
   * loses nothing). Concurrent calls may share one commit (group commit).
   */
  append(records: readonly RecordToStore[]): Promise<AppendOutcome[]>;
  /**
   * What a session's view is folded from, in store order: the records naming it, and every
   * record carrying a correlation id one of them carries (the records naming no session that may
   * belong to it, and the other sessions' records carrying the same id, which decide where those
   * belong and whether that is ambiguous). Each comes with the session it belongs to.
   */
  sessionRecords(interviewId: string): Promise<StoredRecord[]>;
  /** Records after a position, in order, at most `limit`: for replay, export and change feeds. */
  recordsAfter(seq: number, limit: number): Promise<StoredRecord[]>;
  /** The sessions known, sorted, for paging (`after` an id, at most `limit`). */
  sessionIds(after: string | undefined, limit: number): Promise<string[]>;
  /** Resolves when the store answers a trivial read now; rejects when it is down. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
