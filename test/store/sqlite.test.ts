import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { type Damage, damageStoreFile, writeStoreFile } from '../support/damage.js';
import {
  multiInstanceContract,
  type OpenStore,
  openTracked,
  statusRecord,
  storeContract,
  toStore,
} from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A fresh file; `reopen` opens another connection on it, as a restarted service would. */
const open: OpenStore = async () => {
  const path = join(dir, `store-${++files}.db`);
  return openTracked(
    () => createSqliteStore(path),
    () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    },
  );
};

storeContract('sqlite', open);
// Several connections on one file stand for several processes; SQLite serializes their commits.
multiInstanceContract('sqlite', open, 3);

describe('sqlite group commit', () => {
  it('commits appends that arrive together in one transaction, and answers each', async () => {
    const commits: number[] = [];
    const store = createSqliteStore(join(dir, 'group.db'), { onCommit: (size) => commits.push(size) });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append([toStore(statusRecord('g', i))])),
    );
    expect(outcomes.every((o) => o[0]?.inserted)).toBe(true);
    expect(commits).toEqual([20]);
    await store.close();
  });

  it('commits each append alone when grouping is off', async () => {
    const commits: number[] = [];
    const store = createSqliteStore(join(dir, 'single.db'), {
      groupCommit: false,
      onCommit: (size) => commits.push(size),
    });
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.append([toStore(statusRecord('g', i))])));
    expect(commits).toEqual([1, 1, 1, 1, 1]);
    await store.close();
  });
});

describe('a damaged store file', () => {
  const cases: [Damage, RegExp][] = [
    ['pages', /integrity check: .*page/],
    ['truncated', /malformed/],
    ['not-a-database', /not a database/],
  ];
  for (const [damage, says] of cases) {
    it(`is refused when it is opened, saying what is wrong (${damage})`, async () => {
      const path = join(dir, `damaged-${damage}.db`);
      await writeStoreFile(path);
      await createSqliteStore(path).close();
      damageStoreFile(path, damage);
      expect(() => createSqliteStore(path)).toThrow(says);
      expect(() => createSqliteStore(path)).toThrow(/is not a usable SQLite store .*restore it from a backup/);
    });
  }
});
