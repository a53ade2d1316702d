/** `onboarding-status rebuild`: the built command on a store written before views were kept. */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { createViewKeeper } from '../../src/store/views.js';
import { expectViewsEqualReplay } from '../store/contract.js';
import { cli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rebuild-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('onboarding-status rebuild', () => {
  it('rebuilds the views of an old store with progress, says when there is nothing to do, and rebuilds all with --all', async () => {
    const file = join(dir, 'old.db');
    copyFileSync(new URL('../fixtures/store-2026-11-sqlite.db', import.meta.url), file);
    const first = cli(['rebuild', '--store', file]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/rebuilding the session views of .*old\.db from its records/);
    expect(first.stderr).toMatch(/rebuilt 25 of 25 sessions \(\d+\/s\)/);
    expect(first.stderr).toMatch(/done: 25 views rebuilt, 25 sessions looked at, in [\d.]+ s/);
    const store = createSqliteStore(file);
    try {
      expect(await store.viewsVersion()).toBe(createViewKeeper().version);
      await expectViewsEqualReplay(store);
    } finally {
      await store.close();
    }
    const again = cli(['rebuild', '--store', file]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/are current: nothing to rebuild/);
    const all = cli(['rebuild', '--store', file, '--all']);
    expect(all.status).toBe(0);
    expect(all.stderr).toMatch(/done: 25 views rebuilt/);
  });

  it('says which store it cannot open, and refuses a wrong command line', () => {
    const missing = cli(['rebuild', '--store', join(dir, 'no-such-dir', 'x.db')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot open the store/);
    expect(cli(['rebuild', '--stor', 'x']).status).toBe(2);
    const help = cli(['rebuild', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: onboarding-status rebuild/);
  });
});
