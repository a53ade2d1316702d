import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { describeStore, item } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let last = '';

describeStore('sqlite', {
  async open() {
    last = join(dir, `store-${++n}.db`);
    return createSqliteStore(last);
  },
  async reopen() {
    return createSqliteStore(last);
  },
});

describe('sqlite group commit', () => {
  it('commits appends that arrive together in one transaction, and answers each', async () => {
    const commits: number[] = [];
    const store = createSqliteStore(join(dir, 'group.db'), { onCommit: (size) => commits.push(size) });
    const record = (i: number) => ({
      kind: 'watchlist',
      receivedAt: new Date(i * 1000).toISOString(),
      body: { interviewId: 'g', ref: 'r' },
    });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append([item(record(i), 'g')])));
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
    const record = (i: number) => ({
      kind: 'watchlist',
      receivedAt: new Date(i * 1000).toISOString(),
      body: { interviewId: 'g', ref: 'r' },
    });
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.append([item(record(i), 'g')])));
    expect(commits).toEqual([1, 1, 1, 1, 1]);
    await store.close();
  });
});
