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
  /** Ids that tie it to a session when it names none (`requestId:…`, `identity:…`). */
  readonly correlation: readonly string[];
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
   * The session it belongs to: the one it names or, when it names none, the one a correlation
   * id of it is tied to (by the first stored record that names a session and carries that id);
   * `undefined` while no tie is known.
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
   * Every record of a session, in store order: those naming it and those tied to it through a
   * correlation id another of its records carries.
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
