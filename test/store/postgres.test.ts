/**
 * The PostgreSQL store against a throwaway cluster this file starts itself (Debian's initdb and
 * pg_ctl, loopback, temp dir; see test/support/pg-cluster.ts). Without the binaries the tests
 * are skipped, except in CI (`CI` set), where that is a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPEND_LOCK_KEY, type CommitInfo, createPostgresStore, type RetryInfo } from '../../src/store/postgres.js';
import { recordIdOf } from '../../src/store/record.js';
import { findPostgresBinaries, startThrowawayCluster, type ThrowawayCluster } from '../support/pg-cluster.js';
import {
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
  let cluster: ThrowawayCluster | undefined;

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** A fresh database of the cluster, with as many store instances on it as a test asks. */
  async function freshDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
    if (!cluster) throw new Error('the cluster did not start');
    return cluster.createDatabase();
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
        const item = toStore(statusRecord('d1', 1));
        // Another writer inserts the same record and keeps its transaction open...
        await conn.query('BEGIN');
        await conn.query(`SET LOCAL deadlock_timeout = '60s'`);
        const {
          rows: [row],
        } = await conn.query<{ seq: string }>(
          `INSERT INTO onboarding_records (record_id, interview_id, record) VALUES ($1, 'd1', $2) RETURNING seq`,
          [recordIdOf(item.text), item.text],
        );
        // ...the store's append takes the append lock, then waits for that row...
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
        // ...and the other writer asks for the append lock: a deadlock. PostgreSQL aborts the
        // store's transaction (its deadlock_timeout expires first); the store must retry.
        await conn.query('SELECT pg_advisory_xact_lock($1::bigint)', [APPEND_LOCK_KEY]);
        await conn.query('COMMIT');

        expect(await appended).toEqual([{ inserted: false, seq: Number(row.seq) }]);
        expect(retries.map((r) => r.code)).toContain('40P01');
        expect((await readAll(store)).map((r) => r.record)).toEqual([item.record]);
      } finally {
        await conn.end();
        await watch.end();
        await store.close();
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
