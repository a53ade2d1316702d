/**
 * The embedded store: one SQLite file (better-sqlite3), WAL with `synchronous=FULL`, so a
 * committed record survives a crash of the process or the machine. Appends that arrive together
 * share one transaction (group commit); each caller is answered only after that commit. Each
 * session's view is kept in `views`, updated in the transaction that appends its records
 * (`views.ts` says how), so reads find it by index. SQLite commits one transaction at a time, so
 * positions (`seq`) follow commit order and a reader resuming after one misses nothing.
 */
import Database from 'better-sqlite3';
import type { ParsedRecord } from '../records/parse.js';
import { clausesText, listClauses, type ViewColumns } from './list.js';
import { storedRecord } from './record.js';
import type { AppendOutcome, RecordToStore, Store, StoredRecord, ViewChanges, ViewQuery, ViewRow } from './types.js';
import { createViewKeeper, rebuiltStamp, type ViewKeeper, type ViewUpdate } from './views.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /**
   * Share one transaction among the appends queued in one turn of the event loop.
   * @defaultValue true
   */
  readonly groupCommit?: boolean;
  /** Called after each commit with the number of records it carried and how long it took (ms). */
  readonly onCommit?: (records: number, millis: number) => void;
  /** How views are kept (the flow they are folded with). @defaultValue createViewKeeper() */
  readonly views?: ViewKeeper;
  /** The clock views are stamped with, in ms since the epoch. @defaultValue Date.now */
  readonly now?: () => number;
  /** Where a view that could not be folded is reported (the record is stored all the same). */
  readonly log?: (message: string) => void;
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

interface ViewTableRow {
  readonly session_id: string;
  readonly seq: number;
  readonly changed_at: number;
  readonly status: string;
  readonly decision: string;
  readonly anomalies: string;
  readonly version: string;
  readonly state: string;
}

// `session_id` is the session a record names. Where a record naming none belongs is read when it
// is asked for, from `carriers`: the earliest record (by receivedAt, then delivery key) of each
// session that carries each correlation id. `views` holds each session's view, kept by appends.
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
CREATE TABLE IF NOT EXISTS views (
  session_id TEXT NOT NULL PRIMARY KEY,
  seq INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  decision TEXT NOT NULL,
  anomalous INTEGER NOT NULL,
  anomalies TEXT NOT NULL,
  version TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS views_by_seq ON views (seq);
CREATE INDEX IF NOT EXISTS views_by_status ON views (status, session_id);
CREATE INDEX IF NOT EXISTS views_by_decision ON views (decision, session_id);
CREATE INDEX IF NOT EXISTS views_by_anomalous ON views (anomalous, session_id);
CREATE INDEX IF NOT EXISTS views_recent_status ON views (status, seq);
CREATE INDEX IF NOT EXISTS views_recent_decision ON views (decision, seq);
CREATE INDEX IF NOT EXISTS views_recent_anomalous ON views (anomalous, seq);
CREATE INDEX IF NOT EXISTS views_by_change ON views (changed_at, session_id, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
`;

/** Where a record `r` belongs: the session it names, or that of the earliest carrier of its ids. */
const OWNER = `coalesce(r.session_id, (
  SELECT k.session_id FROM correlations c JOIN carriers k ON k.corr = c.corr
  WHERE c.seq = r.seq ORDER BY k.at, k.key LIMIT 1))`;

const VIEW_COLUMNS = 'session_id, seq, changed_at, status, decision, anomalies, version, state';

const toStored = (row: Row): StoredRecord => storedRecord(row.seq, row.record, row.session_id ?? undefined);
/** The view table's columns, as a list names them. */
const LIST_COLUMNS: ViewColumns = {
  id: 'session_id',
  seq: 'seq',
  changedAt: 'changed_at',
  status: 'status',
  decision: 'decision',
  anomalous: 'anomalous',
};

/** A list's clauses, their values pushed on `params`. */
const listSql = (query: ViewQuery, params: unknown[]) =>
  listClauses(
    query,
    LIST_COLUMNS,
    (value) => {
      params.push(value);
      return '?';
    },
    (yes) => (yes ? 1 : 0),
  );

/** How many sessions a list with a time filter walks in its own order before it uses the time index. */
const PROBE_ROWS = 2000;

const toView = (row: ViewTableRow): ViewRow => ({
  interviewId: row.session_id,
  seq: row.seq,
  changedAt: row.changed_at,
  status: row.status,
  decision: row.decision,
  anomalies: row.anomalies,
  version: row.version,
  state: row.state,
});

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

/** A session a commit changes: the records to merge into it, or `fold` (read it again). */
interface Touched {
  fold: boolean;
  readonly records: ParsedRecord[];
  /** The latest position that changed it, and the outcome to report its additions with. */
  seq: number;
  outcome: { anomalies?: Record<string, number> };
}

/**
 * Open (or create) a SQLite store in a file. A file that is not a SQLite database, or whose pages
 * are damaged, is refused with an error that says so. A store written before views were kept
 * opens too; its views are built by a rebuild (`rebuild.ts`).
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const keeper = options.views ?? createViewKeeper();
  const clock = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const db = new Database(path);
  try {
    checkIntegrity(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // The views' indexes are read at random by appends: keep more of them in memory (64 MiB).
    db.pragma('cache_size = -65536');
    db.exec(SCHEMA);
    // A new store has every view it will ever need (none yet): nothing to rebuild.
    const meta = db.prepare("SELECT value FROM meta WHERE key = 'views'").get();
    if (meta === undefined && db.prepare('SELECT 1 FROM records LIMIT 1').get() === undefined) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('views', ?)").run(keeper.version);
    }
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
  // Records naming no session that carry an id: they may move when a carrier of it arrives.
  const floatCarrying = db.prepare<[string], { one: number }>(
    `SELECT 1 AS one FROM correlations c CROSS JOIN records r ON r.seq = c.seq
     WHERE c.corr = ? AND +r.session_id IS NULL LIMIT 1`,
  );
  const floatOwners = db.prepare<[string], { owner: string | null }>(
    `SELECT DISTINCT ${OWNER} AS owner FROM records r
     WHERE r.session_id IS NULL AND r.seq IN (SELECT seq FROM correlations WHERE corr = ?)`,
  );
  const ownerOf = db.prepare<[number], { owner: string | null }>(
    `SELECT ${OWNER} AS owner FROM records r WHERE r.seq = ?`,
  );
  // A session's records, and every record carrying an id that decides where its records naming
  // no session belong: the ids it carries, and the other ids those records carry. (CROSS JOIN and
  // `+` keep SQLite from scanning every record naming no session, which grows with the store.)
  const bySession = db.prepare<[string, string], Row>(
    `WITH mine AS (SELECT corr FROM carriers WHERE session_id = ?),
       ids AS (
         SELECT corr FROM mine
         UNION
         SELECT o.corr FROM correlations c CROSS JOIN records f ON f.seq = c.seq CROSS JOIN correlations o ON o.seq = c.seq
         WHERE c.corr IN (SELECT corr FROM mine) AND +f.session_id IS NULL)
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
  const countSessions = db.prepare<[], { n: number }>(
    'SELECT count(*) AS n FROM (SELECT DISTINCT session_id FROM records WHERE session_id IS NOT NULL)',
  );
  const probe = db.prepare('SELECT seq FROM records ORDER BY seq DESC LIMIT 1');
  const lastSeq = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM records');
  const viewById = db.prepare<[string], ViewTableRow>(`SELECT ${VIEW_COLUMNS} FROM views WHERE session_id = ?`);
  const viewsAfter = db.prepare<[number, number], ViewTableRow>(
    `SELECT ${VIEW_COLUMNS} FROM views WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  const latest = db.prepare<[number], ViewTableRow>(`SELECT ${VIEW_COLUMNS} FROM views ORDER BY seq DESC LIMIT ?`);
  const writeView = db.prepare<[string, number, number, string, string, number, string, string, string]>(
    `INSERT INTO views (session_id, seq, changed_at, status, decision, anomalous, anomalies, version, state)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET seq = excluded.seq, changed_at = excluded.changed_at,
       status = excluded.status, decision = excluded.decision, anomalous = excluded.anomalous,
       anomalies = excluded.anomalies, version = excluded.version, state = excluded.state`,
  );
  // A view that could not be folded is marked as of no version: read again from its records.
  const spoilView = db.prepare<[string]>("UPDATE views SET version = '' WHERE session_id = ?");
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare<[string, string]>(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const listed = new Map<string, Database.Statement<unknown[], ViewTableRow>>();
  const statementFor = (sql: string) => {
    let statement = listed.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[], ViewTableRow>(sql);
      listed.set(sql, statement);
    }
    return statement;
  };
  /**
   * A time filter many sessions pass: walk the order's own index from the cursor, at most
   * `PROBE_ROWS` (or 20 pages) of sessions, and keep those changed since then. When the page
   * fills, or the walk reaches the end, that is the answer, found without sorting every session
   * changed since then; otherwise (few pass) undefined, and the changed_at index answers.
   */
  const probeChanged = (query: ViewQuery): ViewRow[] | undefined => {
    const since = query.changedSince as number;
    const walk = Math.max(PROBE_ROWS, 20 * query.limit);
    const params: unknown[] = [];
    const clauses = listSql({ ...query, changedSince: undefined, limit: walk }, params);
    const candidates = statementFor(`SELECT rowid, changed_at FROM views ${clausesText(clauses)}`)
      .raw(true)
      .all(...params) as unknown as [number, number][];
    const rowids: number[] = [];
    for (const [rowid, changedAt] of candidates) {
      if (changedAt >= since) rowids.push(rowid);
      if (rowids.length === query.limit) break;
    }
    if (rowids.length < query.limit && candidates.length === walk) return undefined;
    if (rowids.length === 0) return [];
    const rows = byRowids.all(JSON.stringify(rowids));
    const at = new Map(rowids.map((rowid, i) => [rowid, i]));
    const ordered: ViewTableRow[] = new Array(rowids.length);
    for (const row of rows) ordered[at.get(row.rowid) as number] = row;
    return ordered.map(toView);
  };
  const byRowids = db.prepare<[string], ViewTableRow & { rowid: number }>(
    `SELECT rowid, ${VIEW_COLUMNS} FROM views WHERE rowid IN (SELECT value FROM json_each(?))`,
  );
  // Whether every session has a view of this version: else a session with no view stored may
  // have records stored before views were kept, and is folded from them rather than begun anew.
  let complete = getMeta.get('views')?.value === keeper.version;
  let completeCheckedAt = 0;
  const checkComplete = () => {
    if (complete || clock() - completeCheckedAt < 5000) return;
    completeCheckedAt = clock();
    complete = getMeta.get('views')?.value === keeper.version;
  };

  const readView = (id: string) => {
    const row = viewById.get(id);
    return row === undefined ? undefined : toView(row);
  };
  const put = (update: ViewUpdate, seq: number, changedAt: number) =>
    writeView.run(
      update.interviewId,
      seq,
      changedAt,
      update.status,
      update.decision,
      update.anomalous ? 1 : 0,
      update.anomalies,
      update.version,
      update.state,
    );

  /** Bring the views a commit touched up to date: merge where it can, fold the rest. */
  const settle = (touched: Map<string, Touched>, now: number) => {
    for (const [id, touch] of touched) {
      // SQLite's own failures (a full disk, say) end the commit: only the core's are caught here,
      // since SQLite may already have rolled the transaction back after one of its errors.
      const stored = readView(id);
      const fold = touch.fold || (stored === undefined && !complete);
      const records = fold ? bySession.all(id, id).map(toStored) : undefined;
      let update: ViewUpdate | 'fold' | undefined;
      try {
        update = records === undefined ? keeper.merge(id, stored, touch.records) : keeper.fold(id, records, stored);
        if (update === 'fold') update = keeper.fold(id, bySession.all(id, id).map(toStored), stored);
      } catch (error) {
        // The record is stored; its view is read again from the records when asked.
        log(`the view of a session could not be folded (it is read from its records): ${String(error)}`);
        spoilView.run(id);
        continue;
      }
      if (update === undefined) continue;
      put(update, touch.seq, now);
      if (Object.keys(update.added).length > 0) {
        touch.outcome.anomalies ??= {};
        const counts = touch.outcome.anomalies;
        for (const [code, n] of Object.entries(update.added)) counts[code] = (counts[code] ?? 0) + n;
      }
    }
  };

  const writeOne = (item: RecordToStore, touched: Map<string, Touched>): AppendOutcome => {
    const { recordId, text, parsed, interviewId: named, ids, at, key } = keeper.place(item);
    // A record that may move records naming no session between sessions: fold what it changes.
    const moves = ids.length > 0 && (named === undefined || ids.some((id) => floatCarrying.get(id) !== undefined));
    const owners = new Set<string>();
    const noteOwners = () => {
      for (const id of ids) for (const { owner } of floatOwners.all(id)) if (owner !== null) owners.add(owner);
    };
    if (moves) noteOwners();
    const result = insert.run(recordId, named ?? null, text);
    if (result.changes === 0) {
      const found = existing.get(recordId);
      if (found === undefined) throw new Error(`record ${recordId} neither inserted nor found`);
      return { inserted: false, seq: found.seq };
    }
    const seq = Number(result.lastInsertRowid);
    for (const corr of ids) {
      addCorrelation.run(corr, seq);
      if (named !== undefined && at !== undefined) addCarrier.run(corr, named, at, key);
    }
    const outcome: { inserted: true; seq: number; interviewId?: string; anomalies?: Record<string, number> } = {
      inserted: true,
      seq,
    };
    const touch = (id: string, fold: boolean) => {
      let entry = touched.get(id);
      if (entry === undefined) {
        entry = { fold, records: [], seq, outcome };
        touched.set(id, entry);
      }
      entry.fold ||= fold;
      entry.seq = seq;
      entry.outcome = outcome;
      return entry;
    };
    if (moves) {
      noteOwners();
      if (named !== undefined) owners.add(named);
      for (const id of owners) touch(id, true);
    } else if (named !== undefined) touch(named, false).records.push(parsed);
    const owner = named ?? (ids.length > 0 ? (ownerOf.get(seq)?.owner ?? undefined) : undefined);
    if (owner !== undefined) outcome.interviewId = owner;
    return outcome;
  };

  const commit = db.transaction((batch: readonly Pending[]) => {
    checkComplete();
    const touched = new Map<string, Touched>();
    const outcomes = batch.map((pending) => pending.records.map((item) => writeOne(item, touched)));
    settle(touched, clock());
    return outcomes;
  });

  /** Fold again the views of these sessions that are not current (all with `force`). */
  const refresh = db.transaction((ids: readonly string[], force: boolean) => {
    let rebuilt = 0;
    const now = clock();
    for (const id of ids) {
      const stored = readView(id);
      if (!force && stored?.version === keeper.version) continue;
      const records = bySession.all(id, id).map(toStored);
      const update = keeper.fold(id, records, stored);
      if (update === undefined) continue;
      const { seq, changedAt } = rebuiltStamp(id, records, stored, now);
      put(update, seq, changedAt);
      rebuilt++;
    }
    return rebuilt;
  });

  /** Views changed after a position, read in one snapshot with the position they reach. */
  const changesAfter = db.transaction((seq: number, limit: number): ViewChanges => {
    const rows = viewsAfter.all(seq, limit).map(toView);
    const through = rows.length === limit ? (rows.at(-1) as ViewRow).seq : Math.max(seq, lastSeq.get()?.seq ?? 0);
    return { views: rows, through };
  });
  const latestViews = db.transaction((limit: number): ViewChanges => {
    const rows = latest.all(limit).map(toView).reverse();
    return { views: rows, through: lastSeq.get()?.seq ?? 0 };
  });

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

  const checkOpen = () => {
    if (closed) throw new Error('the store is closed');
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
    async view(interviewId) {
      return readView(interviewId);
    },
    async views(query: ViewQuery) {
      const params: unknown[] = [];
      const clauses = listSql(query, params);
      if (query.changedSince !== undefined) {
        const probed = probeChanged(query);
        if (probed !== undefined) return probed;
      }
      // A time filter few sessions pass reads the sessions changed since then (the index on
      // changed_at) and sorts them: left to itself, SQLite would walk every session in the order
      // asked for to find them. Ids first (from the index alone), then their rows.
      const sql =
        query.changedSince === undefined
          ? `SELECT ${VIEW_COLUMNS} FROM views ${clausesText(clauses)}`
          : `SELECT ${VIEW_COLUMNS} FROM views WHERE rowid IN (
               SELECT rowid FROM views INDEXED BY views_by_change ${clausesText(clauses)}) ${clauses.order}`;
      return statementFor(sql)
        .all(...params)
        .map(toView);
    },
    async viewChanges(seq, limit) {
      checkOpen();
      return seq === undefined ? latestViews(limit) : changesAfter(seq, limit);
    },
    async refreshViews(ids, refreshOptions = {}) {
      checkOpen();
      return refresh.immediate(ids, refreshOptions.force ?? false);
    },
    async viewsVersion() {
      return getMeta.get('views')?.value;
    },
    async setViewsVersion(version) {
      setMeta.run('views', version);
      complete = version === keeper.version;
    },
    async countSessions() {
      return countSessions.get()?.n ?? 0;
    },
    async ping() {
      checkOpen();
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
