/**
 * The PostgreSQL store against a throwaway cluster this file starts itself (Debian's initdb and
 * pg_ctl, loopback, temp dir; see test/support/pg-cluster.ts). Without the binaries the tests
 * are skipped, except in CI (`CI` set), where that is a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type CommitInfo, createPostgresStore, type RetryInfo } from '../../src/store/postgres.js';
import { recordIdOf } from '../../src/store/record.js';
import type { StoredRecord, ViewRow } from '../../src/store/types.js';
import { findPostgresBinaries } from '../support/pg-cluster.js';
import { clusterPerFile } from '../support/pg-suite.js';
import {
  expectViewsEqualReplay,
  multiInstanceContract,
  type OpenStore,
  openTracked,
  readAll,
  statusRecord,
  storeContract,
  toStore,
} from './contract.js';

const binaries = await findPostgresBinaries();

if (binaries === undefined) {
  const message =
    `PostgreSQL store tests need initdb and pg_ctl in ${process.env.PG_BINDIR || '/usr/lib/postgresql/*/bin'} ` +
    '(Debian: apt-get install postgresql; `npm test` installs it when run as root)';
  // CI is "set" unless empty, "false" or "0".
  if (!['', 'false', '0'].includes(process.env.CI ?? '')) {
    describe('PostgreSQL store', () => {
      it('has the PostgreSQL server binaries it must run with in CI', () => {
        throw new Error(`CI is set and ${message}`);
      });
    });
  } else {
    console.warn(`skipping: ${message}`);
    describe.skip(`PostgreSQL store (skipped: ${message})`, () => {
      it('needs the PostgreSQL server binaries', () => undefined);
    });
  }
} else {
  const cluster = clusterPerFile();

  /** A fresh database of the cluster, with as many store instances on it as a test asks. */
  async function freshDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
    return cluster().createDatabase();
  }

  const open: OpenStore = async () => {
    const db = await freshDatabase();
    return openTracked(
      () => createPostgresStore(db.url, { max: 4 }),
      () => db.drop(),
    );
  };

  storeContract('postgres', open);
  multiInstanceContract('postgres', open, 4);

  describe('PostgreSQL store specifics', () => {
    it('group commit: calls made together share one transaction; each resolves only after the commit that holds it', async () => {
      const db = await freshDatabase();
      const events: string[] = [];
      const commits: CommitInfo[] = [];
      const store = await createPostgresStore(db.url, {
        maxGroupRecords: 50,
        onCommit: (_records, _millis, info) => {
          commits.push(info);
          events.push(`commit ${commits.length}`);
        },
      });
      const reader = await createPostgresStore(db.url, { max: 1 });
      try {
        const calls = Array.from({ length: 200 }, (_, i) => [toStore(statusRecord(`g${i % 9}`, i))]);
        const visible: boolean[] = [];
        const outcomes = await Promise.all(
          calls.map((call, i) =>
            store.append(call).then(async (outcome) => {
              events.push(`resolved ${i}`);
              // Committed means another instance can read it now.
              if (i % 50 === 0) {
                const seen = await reader.recordsAfter(outcome[0].seq - 1, 1);
                visible.push(seen[0]?.seq === outcome[0].seq);
              }
              return outcome;
            }),
          ),
        );
        expect(outcomes.flat().every((o) => o.inserted)).toBe(true);
        // 200 calls of one record, at most 50 records a commit, all queued in one turn: 4 commits.
        expect(commits.map((c) => c.appends)).toEqual([50, 50, 50, 50]);
        expect(commits.every((c) => c.attempts === 1 && c.inserted === 50)).toBe(true);
        for (let i = 0; i < 200; i++) {
          const commit = Math.floor(i / 50) + 1;
          expect(events.indexOf(`resolved ${i}`)).toBeGreaterThan(events.indexOf(`commit ${commit}`));
        }
        expect(visible).toEqual([true, true, true, true]);

        // One call at a time: a commit each.
        for (let i = 0; i < 3; i++) await store.append([toStore(statusRecord('single', i))]);
        expect(commits.slice(4).map((c) => c.appends)).toEqual([1, 1, 1]);
      } finally {
        await store.close();
        await reader.close();
        await db.drop();
      }
    });

    it('a deadlock with another writer is retried, not reported: the append resolves with the row that won', async () => {
      const db = await freshDatabase();
      const connect = async () => {
        const client = new pg.Client({ connectionString: db.url });
        client.on('error', () => undefined);
        await client.connect();
        return client;
      };
      const watch = await connect();
      // PostgreSQL looks for a deadlock once, deadlock_timeout after a backend starts waiting; the
      // store's backends look after 2 s (slack for a loaded machine), the other writer's after 60 s,
      // so the store's transaction is the one aborted.
      await watch.query(`ALTER DATABASE ${db.name} SET deadlock_timeout = '2s'`);
      const retries: RetryInfo[] = [];
      const store = await createPostgresStore(db.url, { onRetry: (info) => retries.push(info) });
      const conn = await connect();
      try {
        await store.append([toStore(statusRecord('d1', 0))]);
        const item = toStore(statusRecord('d1', 1));
        // Another writer inserts the same record and keeps its transaction open...
        await conn.query('BEGIN');
        await conn.query(`SET LOCAL deadlock_timeout = '60s'`);
        const {
          rows: [row],
        } = await conn.query<{ seq: string }>(
          `INSERT INTO onboarding_records (seq, record_id, interview_id, record) VALUES (1, $1, 'd1', $2) RETURNING seq`,
          [recordIdOf(item.text), item.text],
        );
        // ...the store's append locks the session's view, then waits for that row...
        const appended = store.append([item]);
        let waiting = 0;
        for (let i = 0; i < 2000 && waiting === 0; i++) {
          const { rows } = await watch.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`,
          );
          waiting = rows[0].n;
          if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(waiting).toBe(1);
        // ...and the other writer asks for the session's view: a deadlock. PostgreSQL aborts the
        // store's transaction (its deadlock_timeout expires first); the store must retry.
        await conn.query(`SELECT 1 FROM onboarding_views WHERE interview_id = 'd1' FOR UPDATE`);
        await conn.query('COMMIT');

        expect(await appended).toEqual([{ inserted: false, seq: Number(row.seq) }]);
        expect(retries.map((r) => r.code)).toContain('40P01');
        // The other writer chose its own position (1), below the store's.
        expect((await readAll(store)).map((r) => r.record)).toEqual([item.record, statusRecord('d1', 0)]);
      } finally {
        await conn.end();
        await watch.end();
        await store.close();
        await db.drop();
      }
    });

    it('readers resuming by position see every record once, though a later transaction commits first (the watermark)', async () => {
      const db = await freshDatabase();
      const a = await createPostgresStore(db.url);
      const b = await createPostgresStore(db.url);
      const holder = new pg.Client({ connectionString: db.url });
      holder.on('error', () => undefined);
      await holder.connect();
      try {
        await a.append([toStore(statusRecord('a-first', 0)), toStore(statusRecord('slow', 0))]);
        const start = await a.recordsAfter(0, 100);
        let after = start.at(-1)?.seq ?? 0;
        const feed = await a.viewChanges(undefined, 100);
        let through = feed.through;
        // Someone holds the view of session "slow"...
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM onboarding_views WHERE interview_id = 'slow' FOR UPDATE`);
        // ...so instance A, committing "a-first" and "slow" together, locks "a-first" (its
        // transaction takes its id) and waits for "slow".
        const held = a.append([toStore(statusRecord('a-first', 1)), toStore(statusRecord('slow', 2))]);
        let waiting = 0;
        for (let i = 0; i < 2000 && waiting === 0; i++) {
          const { rows } = await holder.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')`,
          );
          waiting = rows[0].n;
          if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(waiting).toBeGreaterThan(0);
        // Meanwhile instance B commits a later transaction.
        const [late] = await b.append([toStore(statusRecord('b', 3))]);
        // It is committed (a plain read sees it), but readers are not shown it yet: a lower
        // position may still commit.
        const naive = await holder.query<{ seq: string }>('SELECT seq FROM onboarding_records WHERE seq > $1', [after]);
        expect(naive.rows.map((row) => Number(row.seq))).toEqual([late.seq]);
        expect(await b.recordsAfter(after, 100)).toEqual([]);
        expect((await b.viewChanges(through, 100)).views).toEqual([]);
        // A's transaction ends: its records take positions below B's.
        await holder.query('COMMIT');
        const early = await held;
        expect(early.every((outcome) => outcome.seq < late.seq)).toBe(true);
        // A reader that had resumed after B's position (as a plain read would let it) would have
        // missed A's records; a reader of the store resumes where it was and sees each once.
        const rest = await b.recordsAfter(after, 100);
        expect(rest.map((record) => record.seq)).toEqual([...early.map((o) => o.seq), late.seq]);
        after = rest.at(-1)?.seq ?? after;
        expect(await b.recordsAfter(after, 100)).toEqual([]);
        const changes = await b.viewChanges(through, 100);
        expect(changes.views.map((view) => view.interviewId)).toEqual(['a-first', 'slow', 'b']);
        through = changes.through;
        expect((await b.viewChanges(through, 100)).views).toEqual([]);
      } finally {
        await holder.end().catch(() => undefined);
        await a.close();
        await b.close();
        await db.drop();
      }
    });

    it('many instances committing in parallel: readers paging by position see every record and change exactly once', async () => {
      const db = await freshDatabase();
      const writers = await Promise.all(
        Array.from({ length: 4 }, () => createPostgresStore(db.url, { max: 4, commitsInFlight: 3 })),
      );
      const reader = await createPostgresStore(db.url, { max: 2 });
      try {
        const written = new Set<string>();
        let done = false;
        const writing = Promise.all(
          writers.map(async (writer, w) => {
            for (let round = 0; round < 40; round++) {
              const calls = Array.from({ length: 3 }, (_, c) =>
                Array.from({ length: 1 + ((round + c) % 3) }, (_, j) =>
                  // Sessions shared between instances: their views are locked by one commit at a time.
                  toStore(statusRecord(`m${(round * 3 + c + w) % 17}`, w * 100_000 + round * 100 + c * 10 + j)),
                ),
              );
              for (const call of calls) for (const item of call) written.add(item.text);
              await Promise.all(calls.map((call) => writer.append(call)));
            }
          }),
        ).finally(() => {
          done = true;
        });
        const seen: StoredRecord[] = [];
        const changes: ViewRow[] = [];
        let after = 0;
        let through = 0;
        for (let page = 0; page < 100_000; page++) {
          const finished = done;
          const batch = await reader.recordsAfter(after, 5);
          seen.push(...batch);
          if (batch.length > 0) after = batch[batch.length - 1].seq;
          const feed = await reader.viewChanges(through, 4);
          changes.push(...feed.views);
          through = feed.through;
          if (finished && batch.length === 0 && feed.views.length === 0) break;
          if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await writing;
        expect(seen.map((record) => record.seq)).toEqual(
          [...new Set(seen.map((record) => record.seq))].sort((x, y) => x - y),
        );
        expect(new Set(seen.map((record) => record.text))).toEqual(written);
        // No change twice (positions only increase), and none missed: the last change seen of
        // each session is its view as it ended.
        const positions = changes.map((view) => view.seq);
        expect(positions).toEqual([...new Set(positions)].sort((x, y) => x - y));
        const lastSeen = new Map(changes.map((view) => [view.interviewId, view]));
        const sessions = (await reader.views({ order: 'id', limit: 100 })).map((view) => view.interviewId);
        expect(sessions).toHaveLength(17);
        expect([...lastSeen.keys()].sort()).toEqual(sessions);
        for (const id of sessions) expect(lastSeen.get(id), id).toEqual(await reader.view(id));
        await expectViewsEqualReplay(reader);
      } finally {
        for (const writer of writers) await writer.close();
        await reader.close();
        await db.drop();
      }
    });

    it('several instances starting at once on an empty database create the schema once, without error', async () => {
      const db = await freshDatabase();
      const stores = await Promise.all(Array.from({ length: 6 }, () => createPostgresStore(db.url, { max: 1 })));
      try {
        const outcomes = await Promise.all(stores.map((s, i) => s.append([toStore(statusRecord('boot', i))])));
        expect(outcomes.flat().every((o) => o.inserted)).toBe(true);
        expect(await readAll(stores[0])).toHaveLength(6);
      } finally {
        for (const s of stores) await s.close();
        await db.drop();
      }
    });

    it('a delivery the database refuses fails alone: the calls that shared its commit are stored', async () => {
      const db = await freshDatabase();
      const commits: CommitInfo[] = [];
      const store = await createPostgresStore(db.url, { onCommit: (_r, _m, info) => commits.push(info) });
      try {
        // An id no btree index can hold (incompressible, far over 2.7 kB).
        const huge = randomBytes(12_000).toString('base64');
        const good = Array.from({ length: 10 }, (_, i) => toStore(statusRecord(`ok${i}`, i)));
        const results = await Promise.allSettled([
          ...good.slice(0, 5).map((item) => store.append([item])),
          store.append([toStore(statusRecord(huge, 99))]),
          ...good.slice(5).map((item) => store.append([item])),
        ]);
        expect(results.map((r) => r.status)).toEqual([
          ...Array(5).fill('fulfilled'),
          'rejected',
          ...Array(5).fill('fulfilled'),
        ]);
        expect((results[5] as PromiseRejectedResult).reason).toMatchObject({ code: '54000' });
        expect((await readAll(store)).map((r) => r.record)).toEqual(good.map((g) => g.record));
        expect(commits.map((c) => c.appends)).toEqual(Array(10).fill(1));
      } finally {
        await store.close();
        await db.drop();
      }
    });

    it('a closed store refuses appends with a clear error', async () => {
      const db = await freshDatabase();
      const store = await createPostgresStore(db.url);
      await store.close();
      await expect(store.append([toStore(statusRecord('x', 1))])).rejects.toThrow(/closed/);
      await db.drop();
    });
  });
}
