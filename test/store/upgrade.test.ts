/**
 * Upgrade: stores written in the format before views were kept (test/fixtures: written by that
 * version's code) open with this one, answer every session as a replay of their records while
 * their views are rebuilt, keep acknowledging deliveries during the rebuild, and end with every
 * view equal to a replay. On PostgreSQL positions continue above the old ones, so a reader
 * resuming by position misses nothing, and an instance of the old version can no longer write.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/index.js';
import { parseTime } from '../../src/records/time.js';
import { createWebhookHandler } from '../../src/service/handler.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { rebuildViews } from '../../src/store/rebuild.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { createViewKeeper } from '../../src/store/views.js';
import type { SessionView } from '../../src/types.js';
import { findPostgresBinaries } from '../support/pg-cluster.js';
import { clusterPerFile } from '../support/pg-suite.js';
import { expectViewsEqualReplay, readAll, statusRecord, toStore } from './contract.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const keeper = createViewKeeper();
const LOCAL = { remoteAddress: '127.0.0.1' };
const dir = mkdtempSync(join(tmpdir(), 'upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every session's view, as a replay of every stored record gives it. */
async function replayed(store: Store): Promise<Ledger> {
  const ledger = new Ledger();
  for (const stored of await readAll(store)) ledger.addRaw(stored.record);
  return ledger;
}

/**
 * What a user sees of an old store: a service on it answers every session as a replay does
 * before any view is rebuilt, acknowledges deliveries while the rebuild runs a page at a time,
 * and once it is done every stored view is a replay's.
 */
async function upgradeThroughService(store: Store): Promise<void> {
  expect(await store.viewsVersion()).toBeUndefined();
  const old = await readAll(store);
  const before = await replayed(store);
  const sessions = before.sessionIds();
  expect(sessions.length).toBeGreaterThan(20);
  // A service that does not rebuild by itself: the rebuild below runs a page at a time.
  const handler = createWebhookHandler({ store, rebuild: false });
  const get = async (path: string) => handler(new Request(`http://svc${path}`), LOCAL);
  for (const id of sessions) {
    const response = await get(`/sessions/${encodeURIComponent(id)}`);
    expect(response.status, id).toBe(200);
    expect(await response.json(), id).toEqual(JSON.parse(JSON.stringify(before.view(id))));
  }
  expect(((await (await get('/healthz')).json()) as { views: string }).views).toBe('stale');
  // Deliveries keep being acknowledged between the rebuild's pages: to sessions already
  // rebuilt, to sessions not rebuilt yet, and to new ones.
  let n = 0;
  const posted = new Set<string>();
  const post = async (id: string, status: string) => {
    posted.add(id);
    const response = await handler(
      new Request('http://svc/webhooks/onboarding-status', {
        method: 'POST',
        body: JSON.stringify({ interviewId: id, onboardingStatus: status }),
      }),
      LOCAL,
    );
    expect(response.status).toBe(204);
    n++;
  };
  const pages: number[] = [];
  const result = await rebuildViews(store, {
    version: keeper.version,
    batch: 4,
    onProgress: async (progress) => {
      pages.push(progress.done);
      await post(sessions[(progress.done * 7) % sessions.length] as string, 'ONBOARDING_FINISHED');
      await post(`new-${progress.done}`, 'ID_VALIDATION_FINISHED');
    },
  });
  expect(result.complete).toBe(true);
  expect(pages.length).toBeGreaterThan(5);
  expect(result.total).toBe(sessions.length);
  expect(n).toBe(pages.length * 2);
  expect(await store.viewsVersion()).toBe(keeper.version);
  await expectViewsEqualReplay(store);
  // A view the rebuild made (no delivery reached its session) stands at its latest record, and
  // changed when the latest of them was received.
  const untouched = sessions.filter((id) => !posted.has(id));
  expect(untouched.length).toBeGreaterThan(5);
  for (const id of untouched) {
    const own = old.filter((record) => record.interviewId === id);
    const row = await store.view(id);
    expect(row?.seq, id).toBe(Math.max(...own.map((record) => record.seq)));
    expect(row?.changedAt, id).toBe(Math.max(...own.map((record) => parseTime(record.record.receivedAt) ?? 0)));
  }
  const after = await replayed(store);
  for (const id of after.sessionIds()) {
    const response = await get(`/sessions/${encodeURIComponent(id)}`);
    expect((await response.json()) as SessionView, id).toEqual(JSON.parse(JSON.stringify(after.view(id))));
  }
  handler.close();
}

describe('upgrading a SQLite store written before views were kept', () => {
  it('answers as a replay before the rebuild, stores deliveries during it, and keeps views equal to a replay after', async () => {
    const file = join(dir, 'old.db');
    copyFileSync(new URL('store-2026-11-sqlite.db', FIXTURES), file);
    const store = createSqliteStore(file);
    try {
      const records = await readAll(store);
      expect(records).toHaveLength(407);
      await upgradeThroughService(store);
      // The old records kept their positions; new ones follow them.
      const now = await readAll(store);
      expect(now.slice(0, records.length)).toEqual(records);
    } finally {
      await store.close();
    }
  });

  it('rebuilds, at start, views written by another version of the core, and says so in /healthz', async () => {
    const file = join(dir, 'stale.db');
    copyFileSync(new URL('store-2026-11-sqlite.db', FIXTURES), file);
    const first = createSqliteStore(file);
    await rebuildViews(first, { version: keeper.version });
    await first.close();
    // As if written by an older core: its state format is not this one's.
    const raw = (await import('better-sqlite3')).default(file);
    raw
      .prepare("UPDATE views SET version = 'onboarding-status/state@1 views@1 flow:f', state = '{\"version\":1}'")
      .run();
    raw.prepare("UPDATE meta SET value = 'onboarding-status/state@1 views@1 flow:f' WHERE key = 'views'").run();
    raw.close();
    const store = createSqliteStore(file);
    const messages: string[] = [];
    const handler = createWebhookHandler({ store, log: (message) => messages.push(message) });
    try {
      const progress = await handler.rebuilt;
      expect(progress?.rebuilt).toBe(progress?.total);
      expect(messages.join('\n')).toMatch(/rebuilding them from the records[\s\S]*views rebuilt: 25 of 25 sessions/);
      const health = await (await handler(new Request('http://svc/healthz'), LOCAL)).json();
      expect(health).toMatchObject({ ok: true, views: 'current' });
      await expectViewsEqualReplay(store);
    } finally {
      handler.close();
      await store.close();
    }
  });
});

const binaries = await findPostgresBinaries();

describe.skipIf(binaries === undefined && ['', 'false', '0'].includes(process.env.CI ?? ''))(
  'upgrading a PostgreSQL store written before views were kept',
  () => {
    const cluster = clusterPerFile();

    it('continues positions above the old ones, rebuilds while storing deliveries, and shuts out the old version', async () => {
      const db = await cluster().createDatabase();
      const admin = new pg.Client({ connectionString: db.url });
      admin.on('error', () => undefined);
      await admin.connect();
      const dump = readFileSync(new URL('store-2026-11-postgres.sql', FIXTURES), 'utf8');
      await admin.query(dump);
      await admin.end();
      const store = await createPostgresStore(db.url);
      const raw = new pg.Client({ connectionString: db.url });
      raw.on('error', () => undefined);
      await raw.connect();
      try {
        const records = await readAll(store);
        expect(records).toHaveLength(407);
        expect(records.at(-1)?.seq).toBe(408);
        await upgradeThroughService(store);
        const now = await readAll(store);
        expect(now.slice(0, records.length)).toEqual(records);
        expect(now.slice(records.length).every((record) => record.seq > 408)).toBe(true);
        // An instance of the old version inserts without a position: refused (it answers 503 and
        // the vendor retries), so it cannot slip a record below what readers have passed.
        const old = toStore(statusRecord('old-writer', 1));
        await expect(
          raw.query('INSERT INTO onboarding_records (record_id, interview_id, record) VALUES ($1, $2, $3)', [
            'x',
            'old-writer',
            old.text,
          ]),
        ).rejects.toMatchObject({ code: '23502' });
      } finally {
        await raw.end();
        await store.close();
        await db.drop();
      }
    });
  },
);
