/**
 * The embedded store: one SQLite file (better-sqlite3), WAL with `synchronous=FULL`, so a
 * committed record survives a crash of the process or the machine. Appends that arrive together
 * share one transaction (group commit); each caller is answered only after that commit.
 */
import Database from 'better-sqlite3';
import { recordIdOf, storedRecord } from './record.js';
import type { AppendOutcome, RecordToStore, Store, StoredRecord } from './types.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /**
   * Share one transaction among the appends queued in one turn of the event loop.
   * @defaultValue true
   */
  readonly groupCommit?: boolean;
  /** Called after each commit with the number of records it carried and how long it took (ms). */
  readonly onCommit?: (records: number, millis: number) => void;
}

interface Pending {
  readonly records: readonly RecordToStore[];
  readonly resolve: (outcomes: AppendOutcome[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Row {
  readonly seq: number;
  readonly session_id: string | null;
  readonly record: string;
}

// `session_id` is the session a record names. Where a record naming none belongs is read when it
// is asked for, from `carriers`: the earliest record (by receivedAt, then delivery key) of each
// session that carries each correlation id. Nothing is ever moved: a later, earlier-received
// carrier simply changes the answer, as it changes a replay's.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id TEXT NOT NULL UNIQUE,
  session_id TEXT,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_session ON records (session_id, seq);
CREATE TABLE IF NOT EXISTS correlations (
  corr TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (corr, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS correlations_by_record ON correlations (seq);
CREATE TABLE IF NOT EXISTS carriers (
  corr TEXT NOT NULL,
  session_id TEXT NOT NULL,
  at REAL NOT NULL,
  key REAL NOT NULL,
  PRIMARY KEY (corr, session_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS carriers_by_session ON carriers (session_id);
`;

/** Where a record `r` belongs: the session it names, or that of the earliest carrier of its ids. */
const OWNER = `coalesce(r.session_id, (
  SELECT k.session_id FROM correlations c JOIN carriers k ON k.corr = c.corr
  WHERE c.seq = r.seq ORDER BY k.at, k.key LIMIT 1))`;

const toStored = (row: Row): StoredRecord => storedRecord(row.seq, row.record, row.session_id ?? undefined);

/** SQLite's codes for a file that is not a database, or one whose pages are damaged. */
const DAMAGED = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/**
 * Refuse a damaged file before serving from it: `PRAGMA quick_check` reads every page and checks
 * the structure of every table and index (not that each index matches its table, which
 * `integrity_check` adds at several times the cost).
 */
function checkIntegrity(db: Database.Database, path: string): void {
  const refuse = (problem: string) =>
    new Error(
      `${path} is not a usable SQLite store (${problem}); restore it from a backup, or move it away to start an empty store`,
    );
  let problems: string[];
  try {
    problems = (db.pragma('quick_check(3)') as { quick_check: string }[]).map((row) => row.quick_check);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== undefined && DAMAGED.has(code)) throw refuse((error as Error).message);
    throw error;
  }
  if (problems.length !== 1 || problems[0] !== 'ok') {
    const found = problems
      .map((problem) => problem.replace(/\*\*\* in database \w+ \*\*\*/, '').trim())
      .filter(Boolean);
    throw refuse(`integrity check: ${found.join('; ').replace(/\s+/g, ' ').slice(0, 200)}`);
  }
}

/**
 * Open (or create) a SQLite store in a file. A file that is not a SQLite database, or whose pages
 * are damaged, is refused with an error that says so.
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const db = new Database(path);
  try {
    checkIntegrity(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }

  const insert = db.prepare<[string, string | null, string]>(
    'INSERT INTO records (record_id, session_id, record) VALUES (?, ?, ?) ON CONFLICT (record_id) DO NOTHING',
  );
  const existing = db.prepare<[string], { seq: number }>('SELECT seq FROM records WHERE record_id = ?');
  const addCorrelation = db.prepare<[string, number]>(
    'INSERT INTO correlations (corr, seq) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  // Each session keeps its earliest record carrying an id (ties of time broken by delivery key).
  const addCarrier = db.prepare<[string, string, number, number]>(
    `INSERT INTO carriers (corr, session_id, at, key) VALUES (?, ?, ?, ?)
     ON CONFLICT (corr, session_id) DO UPDATE SET at = excluded.at, key = excluded.key
     WHERE excluded.at < carriers.at OR (excluded.at = carriers.at AND excluded.key < carriers.key)`,
  );
  // A session's records, and every record carrying an id that decides where its records naming
  // no session belong: the ids it carries, and the other ids those records carry.
  const bySession = db.prepare<[string, string], Row>(
    `WITH mine AS (SELECT corr FROM carriers WHERE session_id = ?),
       ids AS (
         SELECT corr FROM mine
         UNION
         SELECT o.corr FROM correlations c JOIN records f ON f.seq = c.seq JOIN correlations o ON o.seq = c.seq
         WHERE f.session_id IS NULL AND c.corr IN (SELECT corr FROM mine))
     SELECT r.seq, ${OWNER} AS session_id, r.record FROM records r
     WHERE r.session_id = ? OR r.seq IN (SELECT seq FROM correlations WHERE corr IN (SELECT corr FROM ids))
     ORDER BY r.seq`,
  );
  const after = db.prepare<[number, number], Row>(
    `SELECT r.seq, ${OWNER} AS session_id, r.record FROM records r WHERE r.seq > ? ORDER BY r.seq LIMIT ?`,
  );
  const sessions = db.prepare<[string, number], { session_id: string }>(
    'SELECT DISTINCT session_id FROM records WHERE session_id > ? ORDER BY session_id LIMIT ?',
  );
  const probe = db.prepare('SELECT seq FROM records ORDER BY seq DESC LIMIT 1');

  const writeOne = (item: RecordToStore): AppendOutcome => {
    const recordId = recordIdOf(item.text);
    const result = insert.run(recordId, item.interviewId ?? null, item.text);
    if (result.changes === 0) {
      const found = existing.get(recordId);
      if (found === undefined) throw new Error(`record ${recordId} neither inserted nor found`);
      return { inserted: false, seq: found.seq };
    }
    const seq = Number(result.lastInsertRowid);
    for (const corr of new Set(item.correlation)) {
      addCorrelation.run(corr, seq);
      if (item.interviewId !== undefined && item.at !== undefined) {
        addCarrier.run(corr, item.interviewId, item.at, item.key ?? 0);
      }
    }
    return { inserted: true, seq };
  };

  const commit = db.transaction((batch: readonly Pending[]) => batch.map((pending) => pending.records.map(writeOne)));

  let queue: Pending[] = [];
  let scheduled = false;
  let closed = false;

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const started = performance.now();
    let outcomes: AppendOutcome[][];
    try {
      outcomes = commit.immediate(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    const size = batch.reduce((sum, pending) => sum + pending.records.length, 0);
    options.onCommit?.(size, performance.now() - started);
    batch.forEach((pending, i) => {
      pending.resolve(outcomes[i] as AppendOutcome[]);
    });
  };

  return {
    append(records) {
      if (closed) return Promise.reject(new Error('the store is closed'));
      if (records.length === 0) return Promise.resolve([]);
      return new Promise<AppendOutcome[]>((resolve, reject) => {
        queue.push({ records, resolve, reject });
        if (options.groupCommit === false) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async sessionRecords(interviewId) {
      return bySession.all(interviewId, interviewId).map(toStored);
    },
    async recordsAfter(seq, limit) {
      return after.all(seq, limit).map(toStored);
    },
    async sessionIds(afterId, limit) {
      return sessions.all(afterId ?? '', limit).map((row) => row.session_id);
    },
    async ping() {
      if (closed) throw new Error('the store is closed');
      probe.get();
    },
    async close() {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}
