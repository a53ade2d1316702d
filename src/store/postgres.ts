/**
 * The PostgreSQL store: delivery records in one database shared by several `serve` instances.
 *
 * - Durable: `append` resolves only after its transaction committed (the server's own
 *   `synchronous_commit` decides what "committed" means; the default is flushed to disk).
 * - Idempotent: one row per `recordId` (`ON CONFLICT DO NOTHING`); a record stored before answers
 *   with the position it already has.
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
 */
import postgres from 'postgres';
import type { RawDeliveryRecord as DeliveryRecord } from '../records/record.js';
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
}

/**
 * Key of the transaction advisory lock every append takes. Anything else that inserts into
 * `onboarding_records` must take it too (`SELECT pg_advisory_xact_lock(…)` first in its
 * transaction), or readers resuming by position may miss its rows.
 */
export const APPEND_LOCK_KEY = '7957684565744067121';
/** Key of the lock that serializes schema creation when instances start together. */
const SCHEMA_LOCK = 7_957_684_565_744_067_122n;

const TABLES = ['onboarding_records', 'onboarding_correlations', 'onboarding_ties', 'onboarding_sessions'] as const;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS onboarding_records (
     seq bigserial PRIMARY KEY,
     record_id text NOT NULL UNIQUE,
     interview_id text COLLATE "C",
     record text NOT NULL,
     stored_at timestamptz NOT NULL DEFAULT now()
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_records_interview ON onboarding_records (interview_id, seq)',
  // The correlation ids of records that name no session, in the record's order.
  `CREATE TABLE IF NOT EXISTS onboarding_correlations (
     seq bigint NOT NULL REFERENCES onboarding_records (seq),
     position int NOT NULL,
     correlation_id text NOT NULL,
     PRIMARY KEY (seq, position)
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_correlations_id ON onboarding_correlations (correlation_id)',
  // Each correlation id's session: the first record (lowest seq) that names a session and carries it.
  `CREATE TABLE IF NOT EXISTS onboarding_ties (
     correlation_id text PRIMARY KEY,
     interview_id text COLLATE "C" NOT NULL,
     seq bigint NOT NULL REFERENCES onboarding_records (seq)
   )`,
  'CREATE INDEX IF NOT EXISTS onboarding_ties_interview ON onboarding_ties (interview_id)',
  'CREATE TABLE IF NOT EXISTS onboarding_sessions (interview_id text COLLATE "C" PRIMARY KEY)',
];

/**
 * The session a record `r` that names none belongs to, as a fold of the whole log in store order
 * (the `Ledger`) decides: the first of its correlation ids (in its own order) tied before it
 * arrived; else, the tie made first after it arrived; else none.
 */
const OWNER = `(SELECT coalesce(
    (SELECT t.interview_id FROM onboarding_correlations c JOIN onboarding_ties t USING (correlation_id)
      WHERE c.seq = r.seq AND t.seq < r.seq ORDER BY c.position LIMIT 1),
    (SELECT t.interview_id FROM onboarding_correlations c JOIN onboarding_ties t USING (correlation_id)
      WHERE c.seq = r.seq ORDER BY t.seq LIMIT 1)))`;

const RETRYABLE = new Set(['40001', '40P01']);

interface Pending {
  readonly items: readonly RecordToStore[];
  /** Each record as JSON text, made when the call came (a record that cannot be is refused then). */
  readonly texts: readonly string[];
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
  return {
    seq: Number(row.seq),
    record: JSON.parse(row.record) as DeliveryRecord,
    interviewId: row.interview_id === null ? undefined : decodeId(row.interview_id),
  };
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A refusal of the data itself (SQLSTATE classes 22, 23, 54), not of the server or connection. */
const isAboutData = (error: unknown) => ['22', '23', '54'].includes(sqlState(error)?.slice(0, 2) ?? '');

class PostgresStore implements Store {
  readonly #sql: postgres.Sql;
  readonly #options: PostgresStoreOptions;
  #pending: Pending[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;

  constructor(sql: postgres.Sql, options: PostgresStoreOptions) {
    this.#sql = sql;
    this.#options = options;
  }

  append(records: readonly RecordToStore[]): Promise<AppendOutcome[]> {
    if (this.#closed) return Promise.reject(new Error('the PostgreSQL store is closed'));
    if (records.length === 0) return Promise.resolve([]);
    let texts: string[];
    try {
      texts = records.map((item) => {
        const text = JSON.stringify(item.record);
        if (typeof text !== 'string') throw new TypeError('a record must be a JSON object');
        return text;
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ items: records, texts, resolve, reject });
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
    const unique = new Map<string, RecordToStore & { readonly text: string }>();
    let records = 0;
    for (const pending of group) {
      pending.items.forEach((item, i) => {
        records++;
        if (!unique.has(item.recordId)) unique.set(item.recordId, { ...item, text: pending.texts[i] });
      });
    }
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
    const sql = this.#sql;
    type Outcome = { record_id: string; seq: string; inserted: boolean };
    const result = await sql.begin('isolation level read committed', async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint)`;
      const found = await tx<Outcome[]>`
        WITH input AS (
          SELECT * FROM unnest(
            ${sql.array(ords, 23)}::int[],
            ${sql.array(
              rows.map((r) => encodeId(r.recordId)),
              25,
            )}::text[],
            ${sql.array(
              rows.map((r) => (r.interviewId === undefined ? null : encodeId(r.interviewId))),
              25,
            )}::text[],
            ${sql.array(
              rows.map((r) => r.text),
              25,
            )}::text[]
          ) AS t(ord, record_id, interview_id, record)
        ),
        added AS (
          INSERT INTO onboarding_records (record_id, interview_id, record)
          SELECT record_id, interview_id, record FROM input ORDER BY ord
          ON CONFLICT (record_id) DO NOTHING
          RETURNING seq, record_id, interview_id
        ),
        links AS (
          SELECT c.correlation_id, c.position, added.seq, added.interview_id
          FROM unnest(
            ${sql.array(corrOrd, 23)}::int[],
            ${sql.array(corrPos, 23)}::int[],
            ${sql.array(corrId, 25)}::text[]
          ) AS c(ord, position, correlation_id)
          JOIN input USING (ord)
          JOIN added USING (record_id)
        ),
        waiting AS (
          INSERT INTO onboarding_correlations (seq, position, correlation_id)
          SELECT seq, position, correlation_id FROM links WHERE interview_id IS NULL
        ),
        -- Positions are handed out in commit order (the append lock), so an id tied by an earlier
        -- transaction keeps its session; within this one, the lowest position wins.
        ties AS (
          INSERT INTO onboarding_ties (correlation_id, interview_id, seq)
          SELECT DISTINCT ON (correlation_id) correlation_id, interview_id, seq
          FROM links WHERE interview_id IS NOT NULL
          ORDER BY correlation_id, seq
          ON CONFLICT DO NOTHING
        ),
        sessions AS (
          INSERT INTO onboarding_sessions (interview_id)
          SELECT DISTINCT interview_id FROM added WHERE interview_id IS NOT NULL ORDER BY interview_id
          ON CONFLICT DO NOTHING
        )
        SELECT record_id, seq, true AS inserted FROM added
        UNION ALL
        SELECT r.record_id, r.seq, false AS inserted
        FROM onboarding_records r JOIN input USING (record_id)`;
      // The last SELECT sees the table as it was when the statement began: rows it finds there
      // were stored earlier; rows this statement added come from `added`. Under the append lock
      // that is every row. A writer that bypassed the lock may have committed a conflicting row
      // since: it is found by a new statement (a new snapshot in READ COMMITTED).
      const seen = new Set(found.map((f) => f.record_id));
      const missing = rows.map((r) => encodeId(r.recordId)).filter((id) => !seen.has(id));
      if (missing.length === 0) return found;
      const late = await tx<Outcome[]>`
        SELECT record_id, seq, false AS inserted FROM onboarding_records WHERE record_id = ANY(${sql.array(missing, 25)}::text[])`;
      return [...found, ...late];
    });
    const stored = new Map<string, { seq: number; inserted: boolean }>();
    for (const row of result) stored.set(decodeId(row.record_id), { seq: Number(row.seq), inserted: row.inserted });
    const claimed = new Set<string>();
    let inserted = 0;
    const outcomes = group.map((pending) =>
      pending.items.map((item) => {
        const found = stored.get(item.recordId);
        if (found === undefined) throw new Error(`record ${item.recordId} was neither stored nor found`);
        const first = found.inserted && !claimed.has(item.recordId);
        if (first) {
          claimed.add(item.recordId);
          inserted++;
        }
        return { inserted: first, seq: found.seq };
      }),
    );
    return { outcomes, info: { appends: group.length, records, inserted } };
  }

  async sessionRecords(id: string): Promise<StoredRecord[]> {
    const interviewId = encodeId(id);
    const rows = await this.#sql<Row[]>`
      SELECT seq, record, interview_id FROM onboarding_records WHERE interview_id = ${interviewId}
      UNION ALL
      SELECT seq, record, ${interviewId} FROM onboarding_records r
      WHERE seq IN (
        SELECT c.seq FROM onboarding_ties t JOIN onboarding_correlations c USING (correlation_id)
        WHERE t.interview_id = ${interviewId}
      ) AND ${this.#sql.unsafe(OWNER)} = ${interviewId}
      ORDER BY seq`;
    return rows.map(toStored);
  }

  async recordsAfter(seq: number, limit: number): Promise<StoredRecord[]> {
    checkLimit(limit);
    const rows = await this.#sql<Row[]>`
      SELECT seq, record, coalesce(interview_id, ${this.#sql.unsafe(OWNER)}) AS interview_id
      FROM onboarding_records r
      WHERE seq > ${seq} ORDER BY seq LIMIT ${limit}`;
    return rows.map(toStored);
  }

  async sessionIds(after: string | undefined, limit: number): Promise<string[]> {
    checkLimit(limit);
    const rows =
      after === undefined
        ? await this.#sql<{ interview_id: string }[]>`
            SELECT interview_id FROM onboarding_sessions ORDER BY interview_id LIMIT ${limit}`
        : await this.#sql<{ interview_id: string }[]>`
            SELECT interview_id FROM onboarding_sessions WHERE interview_id > ${encodeId(after)}
            ORDER BY interview_id LIMIT ${limit}`;
    return rows.map((row) => decodeId(row.interview_id));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
    await this.#sql.end({ timeout: 5 });
  }
}

/**
 * Open the store at a `postgres://` URL, creating its tables if they are missing. Several
 * instances (processes) may open the same database at once.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const sql = postgres(url, { max: options.max ?? 8, onnotice: () => undefined });
  try {
    // When the tables exist, a role with no CREATE privilege can run the store. (This first
    // query also makes the client load the server's array types, which `sql.array` needs.)
    const [{ present }] = await sql<{ present: number }[]>`
      SELECT count(*)::int AS present FROM pg_tables
      WHERE schemaname = current_schema() AND tablename IN ${sql([...TABLES])}`;
    if (present < TABLES.length) {
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK.toString()}::bigint)`;
        for (const statement of SCHEMA) await tx.unsafe(statement);
      });
    }
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  return new PostgresStore(sql, options);
}
