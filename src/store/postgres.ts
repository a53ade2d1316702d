/**
 * The PostgreSQL store: delivery records in one database shared by several `serve` instances.
 *
 * - Durable: `append` resolves only after its transaction committed (the server's own
 *   `synchronous_commit` decides what "committed" means; the default is flushed to disk).
 * - Idempotent: one row per record id (`recordIdOf` its text; `ON CONFLICT DO NOTHING`); a record
 *   stored before answers with the position it already has.
 * - Group commit: `append` calls made while a commit is in flight are queued and share the next
 *   transaction; each call's promise settles only after the commit that holds its records.
 * - One total order that readers can resume: every appending transaction takes one transaction
 *   advisory lock before it inserts, so positions (`seq`, a bigserial) are handed out in commit
 *   order. A reader that has seen position N has seen every position below N: no transaction can
 *   still commit a lower one (see docs/postgres.md for why a plain bigserial does not give this).
 * - Deadlocks and serialization failures (SQLSTATE 40P01, 40001) are retried with capped
 *   exponential backoff; rows are written ordered by session id. With the append lock no two
 *   appends of this store can deadlock each other, but other writers or server settings
 *   (`default_transaction_isolation`) may still cause them.
 * - Fails fast when the server is away: a connection is waited for at most `connectTimeoutMs`,
 *   a statement runs at most `statementTimeoutMs`, and a connection the server closed is dropped
 *   from the pool, never an uncaught error (the `pg` client reports every failure to a caller or
 *   to an `error` listener, and this store listens on the pool and on each connection).
 */
import pg from 'pg';
import { recordIdOf, storedRecord } from './record.js';
import type { AppendOutcome, RecordToStore, Store, StoredRecord } from './types.js';

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
  /** Connections in this instance's pool (default 8). One of them appends at a time. */
  readonly max?: number;
  /** Most records in one group commit (default 2000); more queued calls wait for the next one. */
  readonly maxGroupRecords?: number;
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
}

/**
 * Key of the transaction advisory lock every append takes. Anything else that inserts into
 * `onboarding_records` must take it too (`SELECT pg_advisory_xact_lock(…)` first in its
 * transaction), or readers resuming by position may miss its rows.
 */
export const APPEND_LOCK_KEY = '7957684565744067121';
/** Key of the lock that serializes schema creation when instances start together. */
const SCHEMA_LOCK = 7_957_684_565_744_067_122n;

const TABLES = ['onboarding_records', 'onboarding_correlations', 'onboarding_carriers', 'onboarding_sessions'] as const;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS onboarding_records (
     seq bigserial PRIMARY KEY,
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
  // the earliest of these, read when asked: a later write never has to move anything.
  `CREATE TABLE IF NOT EXISTS onboarding_carriers (
     correlation_id text NOT NULL,
     interview_id text COLLATE "C" NOT NULL,
     at double precision NOT NULL,
     key double precision NOT NULL,
     PRIMARY KEY (correlation_id, interview_id)
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_carriers_interview ON onboarding_carriers (interview_id)',
  'CREATE TABLE IF NOT EXISTS onboarding_sessions (interview_id text COLLATE "C" PRIMARY KEY)',
];

/**
 * The session a record `r` belongs to: the one it names, or that of the earliest record (by
 * receivedAt, then delivery key) naming a session and carrying one of its correlation ids.
 */
const OWNER = `coalesce(r.interview_id, (
    SELECT k.interview_id FROM onboarding_correlations c JOIN onboarding_carriers k USING (correlation_id)
    WHERE c.seq = r.seq ORDER BY k.at, k.key LIMIT 1))`;

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
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
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

class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #options: PostgresStoreOptions;
  #pending: Pending[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;

  constructor(pool: pg.Pool, options: PostgresStoreOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  append(records: readonly RecordToStore[]): Promise<AppendOutcome[]> {
    if (this.#closed) return Promise.reject(new Error('the PostgreSQL store is closed'));
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pending.push({ items: records, resolve, reject });
      // Wait a turn of the event loop so calls made together (requests read in the same I/O
      // phase, a Promise.all) join one commit; later calls queue behind the one in flight.
      this.#draining ??= new Promise<void>((done) => setImmediate(done)).then(() => this.#drain());
    });
  }

  async #drain(): Promise<void> {
    const limit = this.#options.maxGroupRecords ?? 2000;
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
    this.#draining = undefined;
  }

  async #commitWithRetry(group: readonly Pending[]): Promise<AppendOutcome[][]> {
    const maxAttempts = this.#options.maxAttempts ?? 30;
    const base = this.#options.backoffBaseMs ?? 5;
    const cap = this.#options.backoffCapMs ?? 250;
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.#commit(group);
        const info = { ...result.info, attempts: attempt };
        this.#options.onCommit?.(info.records, performance.now() - started, info);
        return result.outcomes;
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

  /** One transaction for the whole group. */
  async #commit(
    group: readonly Pending[],
  ): Promise<{ outcomes: AppendOutcome[][]; info: Omit<CommitInfo, 'attempts'> }> {
    // One row per record id (the first copy in call order), ordered by session id so that
    // writers take row and index locks in the same order.
    const unique = new Map<string, RecordToStore & { readonly recordId: string }>();
    const ids = group.map((pending) => pending.items.map((item) => recordIdOf(item.text)));
    let records = 0;
    group.forEach((pending, g) => {
      pending.items.forEach((item, i) => {
        records++;
        const recordId = ids[g][i];
        if (!unique.has(recordId)) unique.set(recordId, { ...item, recordId });
      });
    });
    const rows = [...unique.values()].sort((a, b) => {
      const x = a.interviewId ?? '';
      const y = b.interviewId ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const ords = rows.map((_, i) => i + 1);
    const corrOrd: number[] = [];
    const corrPos: number[] = [];
    const corrId: string[] = [];
    rows.forEach((row, i) => {
      [...new Set(row.correlation)].forEach((id, position) => {
        corrOrd.push(i + 1);
        corrPos.push(position);
        corrId.push(encodeId(id));
      });
    });
    type Outcome = { record_id: string; seq: string; inserted: boolean };
    const result = await inTransaction(this.#pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [APPEND_LOCK_KEY]);
      const found = await tx.query<Outcome>(
        `WITH input AS (
          SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $8::float8[], $9::float8[])
            AS t(ord, record_id, interview_id, record, at, key)
        ),
        added AS (
          INSERT INTO onboarding_records (record_id, interview_id, record)
          SELECT record_id, interview_id, record FROM input ORDER BY ord
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
        )
        SELECT record_id, seq, true AS inserted FROM added
        UNION ALL
        SELECT r.record_id, r.seq, false AS inserted
        FROM onboarding_records r JOIN input USING (record_id)`,
        [
          ords,
          rows.map((r) => encodeId(r.recordId)),
          rows.map((r) => (r.interviewId === undefined ? null : encodeId(r.interviewId))),
          rows.map((r) => r.text),
          corrOrd,
          corrPos,
          corrId,
          rows.map((r) => r.at ?? null),
          rows.map((r) => r.key ?? 0),
        ],
      );
      // The last SELECT sees the table as it was when the statement began: rows it finds there
      // were stored earlier; rows this statement added come from `added`. Under the append lock
      // that is every row. A writer that bypassed the lock may have committed a conflicting row
      // since: it is found by a new statement (a new snapshot in READ COMMITTED).
      const seen = new Set(found.rows.map((f) => f.record_id));
      const missing = rows.map((r) => encodeId(r.recordId)).filter((id) => !seen.has(id));
      if (missing.length === 0) return found.rows;
      const late = await tx.query<Outcome>(
        'SELECT record_id, seq, false AS inserted FROM onboarding_records WHERE record_id = ANY($1::text[])',
        [missing],
      );
      return [...found.rows, ...late.rows];
    });
    const stored = new Map<string, { seq: number; inserted: boolean }>();
    for (const row of result) stored.set(decodeId(row.record_id), { seq: Number(row.seq), inserted: row.inserted });
    const claimed = new Set<string>();
    let inserted = 0;
    const outcomes = group.map((pending, g) =>
      pending.items.map((_, i) => {
        const recordId = ids[g][i];
        const found = stored.get(recordId);
        if (found === undefined) throw new Error(`record ${recordId} was neither stored nor found`);
        const first = found.inserted && !claimed.has(recordId);
        if (first) {
          claimed.add(recordId);
          inserted++;
        }
        return { inserted: first, seq: found.seq };
      }),
    );
    return { outcomes, info: { appends: group.length, records, inserted } };
  }

  async sessionRecords(id: string): Promise<StoredRecord[]> {
    const { rows } = await this.#pool.query<Row>(
      // A session's records, and every record carrying an id that decides where its records
      // naming no session belong: the ids it carries, and the other ids those records carry.
      `WITH mine AS (SELECT correlation_id FROM onboarding_carriers WHERE interview_id = $1),
         ids AS (
           SELECT correlation_id FROM mine
           UNION
           SELECT o.correlation_id FROM onboarding_correlations c
             JOIN onboarding_records f ON f.seq = c.seq
             JOIN onboarding_correlations o ON o.seq = c.seq
           WHERE f.interview_id IS NULL AND c.correlation_id IN (SELECT correlation_id FROM mine))
       SELECT seq, record, ${OWNER} AS interview_id FROM onboarding_records r
       WHERE interview_id = $1 OR seq IN (
         SELECT seq FROM onboarding_correlations WHERE correlation_id IN (SELECT correlation_id FROM ids))
       ORDER BY seq`,
      [encodeId(id)],
    );
    return rows.map(toStored);
  }

  async recordsAfter(seq: number, limit: number): Promise<StoredRecord[]> {
    checkLimit(limit);
    const { rows } = await this.#pool.query<Row>(
      `SELECT seq, record, ${OWNER} AS interview_id
       FROM onboarding_records r
       WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [seq, limit],
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

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('the PostgreSQL store is closed');
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
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
    // A transaction left open by an instance that stopped answering (it holds the append lock)
    // is ended by the server instead of blocking every other instance.
    idle_in_transaction_session_timeout: Math.max(10_000, 2 * statementTimeout),
    keepAlive: true,
    application_name: 'onboarding-status',
  });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Open the store at a `postgres://` URL, creating its tables if they are missing. Several
 * instances (processes) may open the same database at once.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = connectPool(url, options);
  try {
    // When the tables exist, a role with no CREATE privilege can run the store.
    const { rows } = await pool.query<{ present: number }>(
      `SELECT count(*)::int AS present FROM pg_tables
       WHERE schemaname = current_schema() AND tablename = ANY($1::text[])`,
      [[...TABLES]],
    );
    if ((rows[0]?.present ?? 0) < TABLES.length) {
      await inTransaction(pool, async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_LOCK.toString()]);
        for (const statement of SCHEMA) await tx.query(statement);
      });
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresStore(pool, options);
}
