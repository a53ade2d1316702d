/**
 * The PostgreSQL store: delivery records and session views in one database shared by several
 * `serve` instances, which append in parallel.
 *
 * - Durable: `append` resolves only after its transaction committed (the server's own
 *   `synchronous_commit` decides what "committed" means; the default is flushed to disk).
 * - Idempotent: one row per record id (`recordIdOf` its text; `ON CONFLICT DO NOTHING`); a record
 *   stored before answers with the position it already has.
 * - Group commit: `append` calls made while a commit is in flight are queued and share the next
 *   transaction; each call's promise settles only after the commit that holds its records.
 * - Views in the same transaction: the view rows of the sessions a commit changes are locked (in
 *   id order), merged or folded again (`views.ts`) and written before it commits. Records that may
 *   move between sessions (they carry a correlation id) also lock that id. No lock is shared by
 *   all sessions: commits touching different sessions run in parallel.
 * - Positions readers can resume by (`positions` below): a record's `seq` is made of its
 *   transaction's id, and a reader stops below the oldest transaction still in flight, so it sees
 *   every record exactly once even though transactions commit in any order (docs/postgres.md).
 * - Deadlocks and serialization failures (SQLSTATE 40P01, 40001) are retried with capped
 *   exponential backoff.
 * - Fails fast when the server is away: a connection is waited for at most `connectTimeoutMs`,
 *   a statement runs at most `statementTimeoutMs`, and a connection the server closed is dropped
 *   from the pool, never an uncaught error (the `pg` client reports every failure to a caller or
 *   to an `error` listener, and this store listens on the pool and on each connection).
 */
import pg from 'pg';
import type { ParsedRecord } from '../records/parse.js';
import { clausesText, listClauses, type ViewColumns } from './list.js';
import { storedRecord } from './record.js';
import type { AppendOutcome, RecordToStore, Store, StoredRecord, ViewChanges, ViewQuery, ViewRow } from './types.js';
import { createViewKeeper, type Placed, rebuiltStamp, type ViewKeeper, type ViewUpdate } from './views.js';

/** What happened when a commit was retried (for metrics and tests). */
export interface RetryInfo {
  /** SQLSTATE: `40001` (serialization failure) or `40P01` (deadlock). */
  readonly code: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
}

/** What one group commit held (for metrics and tests). */
export interface CommitInfo {
  /** `append` calls that shared the commit. */
  readonly appends: number;
  /** Records they carried (before removing duplicates). */
  readonly records: number;
  /** Records newly stored. */
  readonly inserted: number;
  /** Attempts the commit took (1 when not retried). */
  readonly attempts: number;
}

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** Connections in this instance's pool (default 8). */
  readonly max?: number;
  /**
   * Most records in one group commit (default 2000, at most 2048); more queued calls wait for
   * the next one.
   */
  readonly maxGroupRecords?: number;
  /** Group commits of this instance in flight at once (default 1). */
  readonly commitsInFlight?: number;
  /** Attempts of one commit before giving up on 40001/40P01 (default 30, about 6 s of backoff). */
  readonly maxAttempts?: number;
  /** Backoff before retry n is min(cap, base·2ⁿ⁻¹)·[0.5, 1) ms (default base 5, cap 250). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** Called before each retry. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Called after each group commit: records it carried, how long it took (ms), and more. */
  readonly onCommit?: (records: number, millis: number, info: CommitInfo) => void;
  /**
   * Longest wait for a connection, new or free in the pool, in ms: with the server down, calls
   * fail after at most this long. @defaultValue 2000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Longest a statement may run, in ms (the server's `statement_timeout`; the client stops
   * waiting one second later, should the server not answer at all). @defaultValue 5000
   */
  readonly statementTimeoutMs?: number;
  /** How views are kept (the flow they are folded with). @defaultValue createViewKeeper() */
  readonly views?: ViewKeeper;
  /** The clock views are stamped with, in ms since the epoch. @defaultValue Date.now */
  readonly now?: () => number;
  /** Where a view that could not be folded is reported (the record is stored all the same). */
  readonly log?: (message: string) => void;
}

/** Key of the lock that serializes schema creation and upgrades when instances start together. */
const SCHEMA_LOCK = 7_957_684_565_744_067_122n;
/** The key the appends of the store's earlier versions took; an upgrade waits for them. */
const LEGACY_APPEND_LOCK = 7_957_684_565_744_067_121n;
/** Namespace (first key) of the advisory locks a commit takes on correlation ids. */
const CORRELATION_LOCKS = 0x6f6e6263;

/**
 * The second key of a correlation id's lock: FNV-1a (32 bits, signed) of the id as stored. Every
 * instance must compute the same key for an id (two ids sharing a key only take turns), so this
 * function must not change while instances of two versions may share a store.
 */
function lockKey(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/** The statement that takes the locks of correlation ids, in key order (no parameters: integers only). */
function lockIdsStatement(ids: readonly string[]): string {
  const keys = [...new Set(ids.map((id) => lockKey(encodeId(id))))].sort((a, b) => a - b);
  return `SELECT count(pg_advisory_xact_lock(${CORRELATION_LOCKS}, k)) FROM unnest('{${keys.join(',')}}'::int[]) AS k`;
}

/**
 * Positions: `seq = base + (xid − xidBase) · SLOTS + ord`, where `xid` is the appending
 * transaction's id (`pg_current_xact_id()`), `ord` the record's index in its commit, and
 * `base`, `xidBase` are fixed when the store is created (or upgraded from positions of a
 * sequence). A transaction still in flight has an id at least `xmin`, the oldest id in flight
 * (`pg_snapshot_xmin`), so every position below `base + (xmin − xidBase) · SLOTS` belongs to a
 * transaction that has ended: readers return only positions below that watermark.
 */
const SLOTS = 2048;

const TABLES = [
  'onboarding_records',
  'onboarding_correlations',
  'onboarding_carriers',
  'onboarding_sessions',
  'onboarding_views',
  'onboarding_meta',
] as const;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS onboarding_records (
     seq bigint PRIMARY KEY,
     record_id text NOT NULL UNIQUE,
     interview_id text COLLATE "C",
     record text NOT NULL,
     stored_at timestamptz NOT NULL DEFAULT now()
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_records_interview ON onboarding_records (interview_id, seq)',
  // The correlation ids each record carries, in the record's order.
  `CREATE TABLE IF NOT EXISTS onboarding_correlations (
     seq bigint NOT NULL REFERENCES onboarding_records (seq),
     position int NOT NULL,
     correlation_id text NOT NULL,
     PRIMARY KEY (seq, position)
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_correlations_id ON onboarding_correlations (correlation_id)',
  // For each correlation id and each session carrying it: that session's earliest record carrying
  // it (by receivedAt, then delivery key). A record naming no session belongs to the session of
  // the earliest of these.
  `CREATE TABLE IF NOT EXISTS onboarding_carriers (
     correlation_id text NOT NULL,
     interview_id text COLLATE "C" NOT NULL,
     at double precision NOT NULL,
     key double precision NOT NULL,
     PRIMARY KEY (correlation_id, interview_id)
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_carriers_interview ON onboarding_carriers (interview_id)',
  'CREATE TABLE IF NOT EXISTS onboarding_sessions (interview_id text COLLATE "C" PRIMARY KEY)',
  // Each session's view: its state, the fields readers filter on, the position it reflects.
  `CREATE TABLE IF NOT EXISTS onboarding_views (
     interview_id text COLLATE "C" PRIMARY KEY,
     seq bigint NOT NULL,
     changed_at bigint NOT NULL,
     status text NOT NULL,
     decision text NOT NULL,
     anomalous boolean NOT NULL,
     anomalies text NOT NULL,
     version text NOT NULL,
     state text NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_views_seq ON onboarding_views (seq)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_status ON onboarding_views (status, interview_id)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_decision ON onboarding_views (decision, interview_id)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_anomalous ON onboarding_views (anomalous, interview_id)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_recent_status ON onboarding_views (status, seq)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_recent_decision ON onboarding_views (decision, seq)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_recent_anomalous ON onboarding_views (anomalous, seq)',
  'CREATE INDEX IF NOT EXISTS onboarding_views_changed ON onboarding_views (changed_at, interview_id, seq)',
  'CREATE TABLE IF NOT EXISTS onboarding_meta (key text PRIMARY KEY, value text NOT NULL)',
];

/**
 * The session a record `r` belongs to: the one it names, or that of the earliest record (by
 * receivedAt, then delivery key) naming a session and carrying one of its correlation ids.
 */
const OWNER = `coalesce(r.interview_id, (
    SELECT k.interview_id FROM onboarding_correlations c JOIN onboarding_carriers k USING (correlation_id)
    WHERE c.seq = r.seq ORDER BY k.at, k.key LIMIT 1))`;

/**
 * A session's records, and every record carrying an id that decides where its records naming no
 * session belong: the ids it carries, and the other ids those records carry. (Each part is read by
 * its index and the positions joined: an `OR` of the two would scan every record.)
 */
const SESSION_RECORDS = `WITH mine AS (SELECT correlation_id FROM onboarding_carriers WHERE interview_id = $1),
     ids AS (
       SELECT correlation_id FROM mine
       UNION
       SELECT o.correlation_id FROM onboarding_correlations c
         JOIN onboarding_records f ON f.seq = c.seq
         JOIN onboarding_correlations o ON o.seq = c.seq
       WHERE f.interview_id IS NULL AND c.correlation_id IN (SELECT correlation_id FROM mine)),
     picked AS (
       SELECT seq FROM onboarding_records WHERE interview_id = $1
       UNION
       SELECT seq FROM onboarding_correlations WHERE correlation_id IN (SELECT correlation_id FROM ids))
   SELECT r.seq, r.record, ${OWNER} AS interview_id FROM onboarding_records r JOIN picked USING (seq)
   ORDER BY r.seq`;

const VIEW_COLUMNS = 'interview_id, seq, changed_at, status, decision, anomalies, version, state';

/** The view table's columns, as a list names them. */
const LIST_COLUMNS: ViewColumns = {
  id: 'interview_id',
  seq: 'seq',
  changedAt: 'changed_at',
  status: 'status',
  decision: 'decision',
  anomalous: 'anomalous',
};

const RETRYABLE = new Set(['40001', '40P01']);

interface Pending {
  readonly items: readonly RecordToStore[];
  readonly resolve: (outcomes: AppendOutcome[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A row as the client returns it: `bigint` columns come as strings. */
interface Row {
  readonly seq: string;
  readonly record: string;
  readonly interview_id: string | null;
}

interface ViewTableRow {
  readonly interview_id: string;
  readonly seq: string;
  readonly changed_at: string;
  readonly status: string;
  readonly decision: string;
  readonly anomalies: string;
  readonly version: string;
  readonly state: string;
}

/** Where positions start: see `SLOTS`. */
interface Positions {
  readonly base: string;
  readonly xid: string;
}

/** The watermark of the statement's snapshot (parameters `$base`, `$xid` at `n`, `n + 1`). */
const watermark = (n: number) =>
  `($${n}::bigint + (pg_snapshot_xmin(pg_current_snapshot())::text::bigint - $${n + 1}::bigint) * ${SLOTS})`;

/**
 * PostgreSQL text cannot hold U+0000, and a vendor body may carry it in an id. Ids are stored
 * with U+0000 as U+0001 U+0001 and U+0001 as U+0001 U+0002: reversible, and order-preserving
 * (the codes are prefix-free and increasing), so paging by id still follows the ids' order.
 */
const encodeId = (id: string) => id.replaceAll('\u0001', '\u0001\u0002').replaceAll('\u0000', '\u0001\u0001');
function decodeId(id: string): string {
  if (!id.includes('\u0001')) return id;
  let out = '';
  for (let i = 0; i < id.length; i++) {
    if (id[i] !== '\u0001') out += id[i];
    else out += id[++i] === '\u0001' ? '\u0000' : '\u0001';
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
}

function toStored(row: Row): StoredRecord {
  return storedRecord(Number(row.seq), row.record, row.interview_id === null ? undefined : decodeId(row.interview_id));
}

const toView = (row: ViewTableRow): ViewRow => ({
  interviewId: decodeId(row.interview_id),
  seq: Number(row.seq),
  changedAt: Number(row.changed_at),
  status: row.status,
  decision: row.decision,
  anomalies: row.anomalies,
  version: row.version,
  state: row.state,
});

/** The columns of view updates, one array each, as `unnest` takes them. */
const viewFields = (updates: readonly ViewUpdate[]) => [
  updates.map((v) => v.status),
  updates.map((v) => v.decision),
  updates.map((v) => v.anomalous),
  updates.map((v) => v.anomalies),
  updates.map((v) => v.version),
  updates.map((v) => v.state),
];

/** A view row held for a session a commit is changing (`state` empty: no view was stored). */
const isPlaceholder = (row: ViewTableRow) => row.state === '';

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A refusal of the data itself (SQLSTATE classes 22, 23, 54), not of the server or connection. */
const isAboutData = (error: unknown) => ['22', '23', '54'].includes(sqlState(error)?.slice(0, 2) ?? '');

/**
 * Run `work` in one READ COMMITTED transaction on a connection of its own. On failure the
 * transaction is rolled back; a connection that cannot even do that is dropped from the pool.
 */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, first = ''): Promise<T> {
  const client = await pool.connect();
  try {
    // `first`: statements without parameters sent with BEGIN, in the same round trip.
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED${first === '' ? '' : `; ${first}`}`);
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(rolledBack ? undefined : (error as Error));
    throw error;
  }
}

/** A record naming no session that carries a correlation id: another id it carries, its session now. */
interface FloatRow {
  readonly seq: number;
  readonly id: string;
  readonly other: string;
  readonly owner: string | null;
}

/** What one commit changed. */
interface Committed {
  readonly outcomes: Map<string, { seq: number; inserted: boolean; interviewId?: string }>;
  /** Anomalies added, by the record id of the last record that changed each session. */
  readonly added: Map<string, Record<string, number>>;
}

class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #options: PostgresStoreOptions;
  readonly #keeper: ViewKeeper;
  readonly #positions: Positions;
  readonly #clock: () => number;
  readonly #log: (message: string) => void;
  #pending: Pending[] = [];
  #inFlight = 0;
  #draining: Promise<void>[] = [];
  #closed = false;
  /** Whether every session has a view of this version (else a missing view is folded, not made anew). */
  #complete: boolean;
  #completeCheckedAt = 0;

  constructor(pool: pg.Pool, options: PostgresStoreOptions, positions: Positions, complete: boolean) {
    this.#pool = pool;
    this.#options = options;
    this.#keeper = options.views ?? createViewKeeper();
    this.#positions = positions;
    this.#clock = options.now ?? Date.now;
    this.#log = options.log ?? (() => undefined);
    this.#complete = complete;
  }

  append(records: readonly RecordToStore[]): Promise<AppendOutcome[]> {
    if (this.#closed) return Promise.reject(new Error('the PostgreSQL store is closed'));
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pending.push({ items: records, resolve, reject });
      this.#startDrain();
    });
  }

  /**
   * Start committing queued calls, unless as many commits as allowed are in flight. Waits a turn
   * of the event loop first, so calls made together (requests read in the same I/O phase, a
   * Promise.all) join one commit; later calls queue behind the ones in flight.
   */
  #startDrain(): void {
    if (this.#inFlight >= Math.max(1, this.#options.commitsInFlight ?? 1)) return;
    this.#inFlight++;
    const drained: Promise<void> = new Promise<void>((done) => setImmediate(done))
      .then(() => this.#drain())
      .finally(() => {
        this.#inFlight--;
        this.#draining = this.#draining.filter((d) => d !== drained);
        // Calls queued while this drain was finishing are not left waiting.
        if (this.#pending.length > 0) this.#startDrain();
      });
    this.#draining.push(drained);
  }

  async #drain(): Promise<void> {
    const limit = Math.min(SLOTS, this.#options.maxGroupRecords ?? 2000);
    while (this.#pending.length > 0) {
      let count = 0;
      let take = 0;
      while (take < this.#pending.length && (take === 0 || count + this.#pending[take].items.length <= limit)) {
        count += this.#pending[take].items.length;
        take++;
      }
      const group = this.#pending.splice(0, take);
      try {
        const outcomes = await this.#commitWithRetry(group);
        group.forEach((pending, i) => {
          pending.resolve(outcomes[i]);
        });
      } catch (error) {
        if (group.length > 1 && isAboutData(error)) {
          // One call's records were refused (an id too long to index, say): commit each call
          // alone, so the others are not failed with it.
          for (const pending of group) {
            await this.#commitWithRetry([pending]).then(
              ([outcomes]) => pending.resolve(outcomes),
              (alone) => pending.reject(alone),
            );
          }
        } else {
          for (const pending of group) pending.reject(error);
        }
      }
    }
  }

  async #commitWithRetry(group: readonly Pending[]): Promise<AppendOutcome[][]> {
    const maxAttempts = this.#options.maxAttempts ?? 30;
    const base = this.#options.backoffBaseMs ?? 5;
    const cap = this.#options.backoffCapMs ?? 250;
    const started = performance.now();
    const items = group.map((pending) => pending.items.map((item) => this.#keeper.place(item)));
    const all = items.flat();
    if (all.length > SLOTS) throw new RangeError(`at most ${SLOTS} records can be appended in one call`);
    // The correlation ids' locks are taken with BEGIN: one round trip for both.
    const ids = all.flatMap((item) => item.ids);
    const locks = ids.length === 0 ? '' : lockIdsStatement(ids);
    await this.#checkComplete();
    for (let attempt = 1; ; attempt++) {
      try {
        const committed = await inTransaction(this.#pool, (tx) => this.#commit(tx, all), locks);
        const claimed = new Set<string>();
        let inserted = 0;
        const outcomes = items.map((call) =>
          call.map((item): AppendOutcome => {
            const found = committed.outcomes.get(item.recordId);
            if (found === undefined) throw new Error(`record ${item.recordId} was neither stored nor found`);
            const first = found.inserted && !claimed.has(item.recordId);
            if (!first) return { inserted: false, seq: found.seq };
            claimed.add(item.recordId);
            inserted++;
            const anomalies = committed.added.get(item.recordId);
            return {
              inserted: true,
              seq: found.seq,
              ...(found.interviewId === undefined ? {} : { interviewId: found.interviewId }),
              ...(anomalies === undefined ? {} : { anomalies }),
            };
          }),
        );
        const info = { appends: group.length, records: all.length, inserted, attempts: attempt };
        this.#options.onCommit?.(info.records, performance.now() - started, info);
        return outcomes;
      } catch (error) {
        const code = sqlState(error);
        if (code === undefined || !RETRYABLE.has(code) || attempt >= maxAttempts) {
          if (code !== undefined && RETRYABLE.has(code)) {
            throw new Error(`append still failing with SQLSTATE ${code} after ${attempt} attempts`, { cause: error });
          }
          throw error;
        }
        const delayMs = Math.min(cap, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        this.#options.onRetry?.({ code, attempt, delayMs });
        await sleep(delayMs);
      }
    }
  }

  /** Views are complete once a rebuild says so, here or in another instance (looked up now and then). */
  async #checkComplete(): Promise<void> {
    if (this.#complete || this.#clock() - this.#completeCheckedAt < 5000) return;
    this.#completeCheckedAt = this.#clock();
    this.#complete = (await this.viewsVersion()) === this.#keeper.version;
  }

  /** Lock correlation ids (in order), so records that may move between sessions are placed one commit at a time. */
  async #lockIds(tx: pg.PoolClient, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await tx.query(lockIdsStatement(ids));
  }

  /**
   * Lock the view rows of sessions and read them, in one statement: `INSERT … ON CONFLICT DO
   * UPDATE` locks each row in id order, making a placeholder row for a session that has none, and
   * returns the latest committed version of each (not the statement's snapshot), so a commit that
   * waited for another one's lock reads what that one wrote. `undefined`: no view was stored.
   * With `floatIds`, the same statement also reads the records naming no session that carry one
   * of them (their ids and session): those ids are locked already, so whoever moved such records
   * has committed before this statement began.
   */
  async #lockViews(
    tx: pg.PoolClient,
    ids: readonly string[],
    floatIds: readonly string[] = [],
  ): Promise<{ held: Map<string, ViewRow | undefined>; floats: FloatRow[] }> {
    const held = new Map<string, ViewRow | undefined>();
    const floats: FloatRow[] = [];
    if (ids.length === 0 && floatIds.length === 0) return { held, floats };
    const { rows } = await tx.query<
      ViewTableRow & { what: 'v' | 'f'; id: string | null; other: string | null; owner: string | null }
    >(
      `WITH held AS (
         INSERT INTO onboarding_views AS v (interview_id, seq, changed_at, status, decision, anomalous, anomalies, version, state)
         SELECT id, 0, 0, '', '', false, '{}', '', '' FROM unnest($1::text[]) AS id ORDER BY id
         ON CONFLICT (interview_id) DO UPDATE SET seq = v.seq
         RETURNING ${VIEW_COLUMNS.split(', ')
           .map((column) => `v.${column}`)
           .join(', ')}
       )
       SELECT 'v' AS what, held.*, NULL AS id, NULL AS other, NULL AS owner FROM held
       UNION ALL
       SELECT 'f', NULL, c.seq, NULL, NULL, NULL, NULL, NULL, NULL, c.correlation_id, o.correlation_id, ${OWNER}
       FROM onboarding_correlations c
       JOIN onboarding_records r ON r.seq = c.seq AND r.interview_id IS NULL
       JOIN onboarding_correlations o ON o.seq = c.seq
       WHERE c.correlation_id = ANY($2::text[])`,
      [[...new Set(ids.map(encodeId))].sort(), floatIds.map(encodeId)],
    );
    for (const row of rows) {
      if (row.what === 'v') held.set(decodeId(row.interview_id), isPlaceholder(row) ? undefined : toView(row));
      else {
        floats.push({
          seq: Number(row.seq),
          id: decodeId(row.id as string),
          other: decodeId(row.other as string),
          owner: row.owner === null ? null : decodeId(row.owner),
        });
      }
    }
    return { held, floats };
  }

  /** The records naming no session that carry these (locked) ids, with their other ids and session now. */
  async #readFloats(tx: pg.PoolClient, ids: readonly string[]): Promise<FloatRow[]> {
    return (await this.#lockViews(tx, [], ids)).floats;
  }

  /** The sessions the records naming no session that carry these ids belong to now, by position. */
  async #floatOwners(tx: pg.PoolClient, ids: readonly string[]): Promise<{ seq: number; owner: string | null }[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<{ seq: string; owner: string | null }>(
      `SELECT r.seq, ${OWNER} AS owner FROM onboarding_records r
       WHERE r.interview_id IS NULL
         AND r.seq IN (SELECT seq FROM onboarding_correlations WHERE correlation_id = ANY($1::text[]))`,
      [ids.map(encodeId)],
    );
    return rows.map((row) => ({ seq: Number(row.seq), owner: row.owner === null ? null : decodeId(row.owner) }));
  }

  /** One transaction for the whole group. */
  async #commit(tx: pg.PoolClient, all: readonly Placed[]): Promise<Committed> {
    // One row per record id (the first copy in call order), ordered by session id.
    const unique = new Map<string, Placed>();
    for (const item of all) if (!unique.has(item.recordId)) unique.set(item.recordId, item);
    const rows = [...unique.values()].sort((a, b) => {
      const x = a.interviewId ?? '';
      const y = b.interviewId ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    });

    // 1. Correlation ids (locked with BEGIN, see #commitWithRetry), and the records naming no
    // session that carry them, read with the named sessions' views (2.), in one statement. Where
    // such a record belongs depends on all its ids: its other ids are locked too, and read again.
    const named = [...new Set(rows.flatMap((row) => (row.interviewId === undefined ? [] : [row.interviewId])))];
    const carried = [...new Set(rows.flatMap((row) => row.ids))];
    const locked = new Set<string>(carried);
    const { held, floats: first } = await this.#lockViews(tx, named, carried);
    let floats = first;
    let expanded = false;
    for (;;) {
      const more = [...new Set(floats.map((float) => float.other))].filter((id) => !locked.has(id));
      if (more.length === 0) break;
      await this.#lockIds(tx, more);
      for (const id of more) locked.add(id);
      floats = await this.#readFloats(tx, [...locked]);
      expanded = true;
    }
    const floating = new Set(floats.map((float) => float.id));
    // Records that may move records between sessions: those naming none, and carriers of ids
    // such records carry. The sessions they may change are folded again after the insert.
    const moves = (row: Placed) =>
      row.ids.length > 0 && (row.interviewId === undefined || row.ids.some((id) => floating.has(id)));
    const movers = rows.filter(moves);
    const moverIds = [...new Set(movers.flatMap((row) => row.ids))];
    // Where those records are now (read again if more ids were locked after the first read).
    const before = expanded
      ? await this.#floatOwners(tx, moverIds)
      : floats.filter((float) => moverIds.includes(float.id));

    // Sessions whose stored view cannot be merged into (another version, or none stored yet in a
    // store whose views are still being rebuilt): folded from their records if the commit adds any.
    const refold = new Set<string>();
    const bySession = new Map<string, ParsedRecord[]>();
    for (const row of rows) {
      if (row.interviewId === undefined || moves(row)) continue;
      const list = bySession.get(row.interviewId) ?? [];
      list.push(row.parsed);
      bySession.set(row.interviewId, list);
    }
    const merged: ViewUpdate[] = [];
    for (const [id, records] of bySession) {
      const stored = held.get(id);
      if (stored === undefined && !this.#complete) {
        refold.add(id);
        continue;
      }
      try {
        const update = this.#keeper.merge(id, stored, records);
        if (update === 'fold') refold.add(id);
        else if (update !== undefined) merged.push(update);
      } catch (error) {
        this.#log(`the view of a session could not be merged (it is folded from its records): ${String(error)}`);
        refold.add(id);
      }
    }

    // 3. The records, their ids, and the merged views, in one statement.
    const ords = rows.map((_, i) => i);
    const corrOrd: number[] = [];
    const corrPos: number[] = [];
    const corrId: string[] = [];
    rows.forEach((row, i) => {
      row.ids.forEach((id, position) => {
        corrOrd.push(i);
        corrPos.push(position);
        corrId.push(encodeId(id));
      });
    });
    const now = this.#clock();
    const placeholders = [...held].filter(([, row]) => row === undefined).map(([id]) => encodeId(id));
    type Out = {
      what: 'r' | 'v';
      record_id: string | null;
      seq: string | null;
      inserted: boolean | null;
      interview_id: string | null;
    };
    const { rows: out } = await tx.query<Out>(
      `WITH input AS (
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $8::float8[], $9::float8[])
           AS t(ord, record_id, interview_id, record, at, key)
       ),
       position AS (
         SELECT $10::bigint + (pg_current_xact_id()::text::bigint - $11::bigint) * ${SLOTS} AS first
       ),
       added AS (
         INSERT INTO onboarding_records (seq, record_id, interview_id, record)
         SELECT position.first + ord, record_id, interview_id, record FROM input, position ORDER BY ord
         ON CONFLICT (record_id) DO NOTHING
         RETURNING seq, record_id, interview_id
       ),
       links AS (
         SELECT c.correlation_id, c.position, added.seq, added.interview_id, input.at, input.key
         FROM unnest($5::int[], $6::int[], $7::text[]) AS c(ord, position, correlation_id)
         JOIN input USING (ord)
         JOIN added USING (record_id)
       ),
       carried AS (
         INSERT INTO onboarding_correlations (seq, position, correlation_id)
         SELECT seq, position, correlation_id FROM links
       ),
       -- Each session keeps its earliest record carrying an id: where a record naming no session
       -- belongs depends on receivedAt and delivery key alone, never on the order of commits.
       carriers AS (
         INSERT INTO onboarding_carriers (correlation_id, interview_id, at, key)
         SELECT DISTINCT ON (correlation_id, interview_id) correlation_id, interview_id, at, key
         FROM links WHERE interview_id IS NOT NULL AND at IS NOT NULL
         ORDER BY correlation_id, interview_id, at, key
         ON CONFLICT (correlation_id, interview_id) DO UPDATE SET at = excluded.at, key = excluded.key
         WHERE (excluded.at, excluded.key) < (onboarding_carriers.at, onboarding_carriers.key)
       ),
       sessions AS (
         INSERT INTO onboarding_sessions (interview_id)
         SELECT DISTINCT interview_id FROM added WHERE interview_id IS NOT NULL ORDER BY interview_id
         ON CONFLICT DO NOTHING
       ),
       changed AS (
         SELECT interview_id, max(seq) AS seq FROM added WHERE interview_id IS NOT NULL GROUP BY interview_id
       ),
       merged AS (
         SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::bool[], $16::text[], $17::text[], $18::text[])
           AS m(interview_id, status, decision, anomalous, anomalies, version, state)
       ),
       viewed AS (
         UPDATE onboarding_views v SET seq = changed.seq, changed_at = $19, status = merged.status,
           decision = merged.decision, anomalous = merged.anomalous, anomalies = merged.anomalies,
           version = merged.version, state = merged.state
         FROM merged JOIN changed USING (interview_id)
         WHERE v.interview_id = merged.interview_id
         RETURNING v.interview_id
       ),
       -- A view row made for a session whose records were all stored before: nothing to keep.
       cleared AS (
         DELETE FROM onboarding_views v
         WHERE v.interview_id = ANY($20::text[]) AND v.state = ''
           AND NOT EXISTS (SELECT 1 FROM changed WHERE changed.interview_id = v.interview_id)
       )
       SELECT 'r' AS what, record_id, seq, true AS inserted, NULL AS interview_id FROM added
       UNION ALL
       SELECT 'r', r.record_id, r.seq, false, NULL FROM onboarding_records r JOIN input USING (record_id)
       UNION ALL
       SELECT 'v', NULL, NULL, NULL, interview_id FROM viewed`,
      [
        ords,
        rows.map((r) => encodeId(r.recordId)),
        rows.map((r) => (r.interviewId === undefined ? null : encodeId(r.interviewId))),
        rows.map((r) => r.text),
        corrOrd,
        corrPos,
        corrId,
        rows.map((r) => r.at ?? null),
        rows.map((r) => r.key),
        this.#positions.base,
        this.#positions.xid,
        merged.map((v) => encodeId(v.interviewId)),
        ...viewFields(merged),
        now,
        placeholders,
      ],
    );
    // The final SELECT sees the table as it was when the statement began: rows found there were
    // stored earlier; rows this statement added come from `added`. A row committed since by
    // another transaction (after this one's locks) is found by a new statement.
    const outcomes: Committed['outcomes'] = new Map();
    for (const row of out) {
      if (row.what === 'r') {
        outcomes.set(decodeId(row.record_id as string), { seq: Number(row.seq), inserted: row.inserted === true });
      }
    }
    const missing = rows.filter((r) => !outcomes.has(r.recordId)).map((r) => encodeId(r.recordId));
    if (missing.length > 0) {
      const late = await tx.query<{ record_id: string; seq: string }>(
        'SELECT record_id, seq FROM onboarding_records WHERE record_id = ANY($1::text[])',
        [missing],
      );
      for (const row of late.rows) outcomes.set(decodeId(row.record_id), { seq: Number(row.seq), inserted: false });
    }

    // 4. What may have moved: the sessions of records naming none, before and after, folded
    // again with every session whose view could not be merged into.
    const inserted = (row: Placed) => outcomes.get(row.recordId)?.inserted === true;
    const toFold = new Set<string>();
    for (const row of rows) {
      if (!inserted(row)) continue;
      const outcome = outcomes.get(row.recordId);
      if (outcome !== undefined && row.interviewId !== undefined) outcome.interviewId = row.interviewId;
      if (row.interviewId !== undefined && (refold.has(row.interviewId) || moves(row))) toFold.add(row.interviewId);
    }
    const movedIn = movers.filter(inserted);
    if (movedIn.length > 0) {
      for (const { owner } of before) if (owner !== null) toFold.add(owner);
      const bySeq = new Map([...outcomes.values()].map((outcome) => [outcome.seq, outcome]));
      for (const { seq, owner } of await this.#floatOwners(tx, moverIds)) {
        if (owner === null) continue;
        toFold.add(owner);
        const outcome = bySeq.get(seq);
        if (outcome?.inserted) outcome.interviewId = owner;
      }
    }
    const extra = [...toFold].filter((id) => !held.has(id));
    for (const [id, row] of (await this.#lockViews(tx, extra)).held) held.set(id, row);
    const position = Math.max(0, ...[...outcomes.values()].filter((o) => o.inserted).map((o) => o.seq));
    const folded: ViewUpdate[] = [];
    const spoiled: string[] = [];
    for (const id of [...toFold].sort()) {
      const records = (await tx.query<Row>(SESSION_RECORDS, [encodeId(id)])).rows.map(toStored);
      try {
        const update = this.#keeper.fold(id, records, held.get(id));
        if (update !== undefined) folded.push(update);
      } catch (error) {
        // Only the core's failures: the record is stored, and its view read from its records when asked.
        this.#log(`the view of a session could not be folded (it is read from its records): ${String(error)}`);
        spoiled.push(encodeId(id));
      }
    }
    await this.#writeViews(tx, folded, position, now);
    if (spoiled.length > 0) {
      await tx.query(`UPDATE onboarding_views SET version = '' WHERE interview_id = ANY($1::text[])`, [spoiled]);
    }

    // The last new record of each session carries what its view's change added.
    const lastOf = new Map<string, Placed>();
    for (const row of rows) if (inserted(row) && row.interviewId !== undefined) lastOf.set(row.interviewId, row);
    const added: Committed['added'] = new Map();
    const note = (update: ViewUpdate, by: Placed | undefined) => {
      if (by === undefined || Object.keys(update.added).length === 0) return;
      const into = added.get(by.recordId) ?? {};
      for (const [code, n] of Object.entries(update.added)) into[code] = (into[code] ?? 0) + n;
      added.set(by.recordId, into);
    };
    const viewed = new Set(out.filter((row) => row.what === 'v').map((row) => decodeId(row.interview_id as string)));
    for (const update of merged) {
      if (viewed.has(update.interviewId) && !toFold.has(update.interviewId))
        note(update, lastOf.get(update.interviewId));
    }
    for (const update of folded) note(update, lastOf.get(update.interviewId) ?? movedIn.at(-1));
    return { outcomes, added };
  }

  /** Write views (a fold's, a rebuild's): each at a position and time, or its own when given. */
  async #writeViews(
    tx: pg.PoolClient,
    updates: readonly ViewUpdate[],
    seq: number | readonly number[],
    changedAt: number | readonly number[],
  ): Promise<void> {
    if (updates.length === 0) return;
    const each = <T>(value: T | readonly T[]) => updates.map((_, i) => (Array.isArray(value) ? value[i] : value) as T);
    await tx.query(
      `INSERT INTO onboarding_views (interview_id, seq, changed_at, status, decision, anomalous, anomalies, version, state)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT (interview_id) DO UPDATE SET seq = excluded.seq, changed_at = excluded.changed_at,
         status = excluded.status, decision = excluded.decision, anomalous = excluded.anomalous,
         anomalies = excluded.anomalies, version = excluded.version, state = excluded.state`,
      [updates.map((v) => encodeId(v.interviewId)), each(seq), each(changedAt), ...viewFields(updates)],
    );
  }

  async sessionRecords(id: string): Promise<StoredRecord[]> {
    const { rows } = await this.#pool.query<Row>(SESSION_RECORDS, [encodeId(id)]);
    return rows.map(toStored);
  }

  async recordsAfter(seq: number, limit: number): Promise<StoredRecord[]> {
    checkLimit(limit);
    const { rows } = await this.#pool.query<Row>(
      `SELECT seq, record, ${OWNER} AS interview_id
       FROM onboarding_records r
       WHERE seq > $1 AND seq < ${watermark(3)} ORDER BY seq LIMIT $2`,
      [seq, limit, this.#positions.base, this.#positions.xid],
    );
    return rows.map(toStored);
  }

  async sessionIds(after: string | undefined, limit: number): Promise<string[]> {
    checkLimit(limit);
    const { rows } =
      after === undefined
        ? await this.#pool.query<{ interview_id: string }>(
            'SELECT interview_id FROM onboarding_sessions ORDER BY interview_id LIMIT $1',
            [limit],
          )
        : await this.#pool.query<{ interview_id: string }>(
            'SELECT interview_id FROM onboarding_sessions WHERE interview_id > $1 ORDER BY interview_id LIMIT $2',
            [encodeId(after), limit],
          );
    return rows.map((row) => decodeId(row.interview_id));
  }

  async view(interviewId: string): Promise<ViewRow | undefined> {
    const { rows } = await this.#pool.query<ViewTableRow>(
      `SELECT ${VIEW_COLUMNS} FROM onboarding_views WHERE interview_id = $1 AND state <> ''`,
      [encodeId(interviewId)],
    );
    return rows[0] && toView(rows[0]);
  }

  async views(query: ViewQuery): Promise<ViewRow[]> {
    checkLimit(query.limit);
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const encoded: ViewQuery = {
      ...query,
      ...(query.prefix === undefined ? {} : { prefix: encodeId(query.prefix) }),
      ...(query.order === 'id' && query.after !== undefined ? { after: encodeId(String(query.after)) } : {}),
    };
    // A row held for a session whose view is not written yet (`state` empty) is not listed.
    const clauses = listClauses(encoded, LIST_COLUMNS, param, undefined, ["state <> ''"]);
    const { rows } = await this.#pool.query<ViewTableRow>(
      `SELECT ${VIEW_COLUMNS} FROM onboarding_views ${clausesText(clauses)}`,
      params,
    );
    return rows.map(toView);
  }

  async viewChanges(after: number | undefined, limit: number): Promise<ViewChanges> {
    checkLimit(limit);
    const page =
      after === undefined
        ? `SELECT * FROM (SELECT ${VIEW_COLUMNS} FROM onboarding_views, mark
             WHERE seq < mark.below AND state <> '' ORDER BY seq DESC LIMIT $1) latest`
        : `SELECT ${VIEW_COLUMNS} FROM onboarding_views, mark
             WHERE seq > $4 AND seq < mark.below AND state <> '' ORDER BY seq LIMIT $1`;
    const { rows } = await this.#pool.query<ViewTableRow & { below: string }>(
      `WITH mark AS (SELECT ${watermark(2)} AS below)
       SELECT mark.below, page.* FROM mark LEFT JOIN LATERAL (${page}) page ON true`,
      after === undefined
        ? [limit, this.#positions.base, this.#positions.xid]
        : [limit, this.#positions.base, this.#positions.xid, after],
    );
    const below = Number(rows[0]?.below ?? 0);
    const views = rows.filter((row) => row.interview_id !== null).map(toView);
    views.sort((a, b) => a.seq - b.seq);
    const through =
      after !== undefined && views.length === limit ? (views.at(-1) as ViewRow).seq : Math.max(after ?? 0, below - 1);
    return { views, through };
  }

  async refreshViews(ids: readonly string[], options: { force?: boolean } = {}): Promise<number> {
    if (ids.length === 0) return 0;
    const now = this.#clock();
    return inTransaction(this.#pool, async (tx) => {
      const { held } = await this.#lockViews(tx, ids);
      const updates: ViewUpdate[] = [];
      const seqs: number[] = [];
      const times: number[] = [];
      for (const id of ids) {
        const stored = held.get(id);
        if (!options.force && stored?.version === this.#keeper.version) continue;
        const records = (await tx.query<Row>(SESSION_RECORDS, [encodeId(id)])).rows.map(toStored);
        const update = this.#keeper.fold(id, records, stored);
        if (update === undefined) continue;
        const { seq, changedAt } = rebuiltStamp(id, records, stored, now);
        updates.push(update);
        seqs.push(seq);
        times.push(changedAt);
      }
      await this.#writeViews(tx, updates, seqs, times);
      // Rows made only to be locked, for sessions with no record to fold, are not kept.
      await tx.query(`DELETE FROM onboarding_views WHERE interview_id = ANY($1::text[]) AND state = ''`, [
        ids.map(encodeId),
      ]);
      return updates.length;
    });
  }

  async viewsVersion(): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ value: string }>("SELECT value FROM onboarding_meta WHERE key = 'views'");
    return rows[0]?.value;
  }

  async setViewsVersion(version: string): Promise<void> {
    await this.#pool.query(
      `INSERT INTO onboarding_meta (key, value) VALUES ('views', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [version],
    );
    if (version === this.#keeper.version) this.#complete = true;
  }

  async countSessions(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>('SELECT count(*) AS n FROM onboarding_sessions');
    return Number(rows[0]?.n ?? 0);
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('the PostgreSQL store is closed');
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#draining);
    await this.#pool.end();
  }
}

/**
 * A pool whose failures all reach a caller: a connection's error rejects the query it was
 * running, and an error between queries (the server closed an idle connection, say) is
 * listened for, so it never becomes an uncaught exception; the pool then replaces the connection.
 */
function connectPool(url: string, options: PostgresStoreOptions): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 8,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    idleTimeoutMillis: 10_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1000,
    // A transaction left open by an instance that stopped answering (it holds view rows, and holds
    // back the readers' watermark) is ended by the server instead of blocking the others.
    idle_in_transaction_session_timeout: Math.max(10_000, 2 * statementTimeout),
    keepAlive: true,
    application_name: 'onboarding-status',
    // Short statements run often: compiling them (JIT) costs far more than it saves.
    options: '-c jit=off',
  });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Create the tables that are missing and fix where positions start. A store of an earlier
 * version (positions from a sequence, no views) is upgraded: positions continue above its last
 * one, and its views are left to a rebuild. Serialized between instances by an advisory lock.
 */
async function prepareSchema(pool: pg.Pool, keeper: ViewKeeper): Promise<{ positions: Positions; complete: boolean }> {
  const read = async () => {
    const { rows } = await pool.query<{ key: string; value: string }>(
      "SELECT key, value FROM onboarding_meta WHERE key IN ('positions', 'views')",
    );
    return new Map(rows.map((row) => [row.key, row.value]));
  };
  const { rows } = await pool.query<{ present: number }>(
    `SELECT count(*)::int AS present FROM pg_tables
     WHERE schemaname = current_schema() AND tablename = ANY($1::text[])`,
    [[...TABLES]],
  );
  let meta = (rows[0]?.present ?? 0) === TABLES.length ? await read() : new Map<string, string>();
  if (!meta.has('positions')) {
    await inTransaction(pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_LOCK.toString()]);
      for (const statement of SCHEMA) await tx.query(statement);
      const found = await tx.query<{ value: string }>("SELECT value FROM onboarding_meta WHERE key = 'positions'");
      if (found.rows.length > 0) return;
      // Appends of an earlier version hold this lock until they commit: wait for them. Without its
      // default, an instance of that version can no longer insert (its deliveries get 503 and are
      // retried by the vendor), so it cannot write a position below the readers' watermark.
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LEGACY_APPEND_LOCK.toString()]);
      await tx.query('LOCK TABLE onboarding_records IN SHARE ROW EXCLUSIVE MODE');
      await tx.query('ALTER TABLE onboarding_records ALTER COLUMN seq DROP DEFAULT');
      const { rows: last } = await tx.query<{ base: string; xid: string; empty: boolean }>(
        `SELECT coalesce(max(seq), 0) + 1 AS base, pg_current_xact_id()::text AS xid, count(*) = 0 AS empty
         FROM onboarding_records`,
      );
      const { base, xid, empty } = last[0] as { base: string; xid: string; empty: boolean };
      await tx.query("INSERT INTO onboarding_meta (key, value) VALUES ('positions', $1)", [
        JSON.stringify({ base, xid }),
      ]);
      // A new store has every view it will ever need (none yet); an upgraded one needs a rebuild.
      if (empty) await tx.query("INSERT INTO onboarding_meta (key, value) VALUES ('views', $1)", [keeper.version]);
    });
    meta = await read();
  }
  const positions = JSON.parse(meta.get('positions') as string) as Positions;
  return { positions, complete: meta.get('views') === keeper.version };
}

/**
 * Open the store at a `postgres://` URL, creating its tables if they are missing (and upgrading
 * a store of an earlier version). Several instances (processes) may open the same database at once.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = connectPool(url, options);
  try {
    const { positions, complete } = await prepareSchema(pool, options.views ?? createViewKeeper());
    return new PostgresStore(pool, options, positions, complete);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
