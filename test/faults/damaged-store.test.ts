/**
 * Damaged store files: `serve` refuses to start on a SQLite file that is not a database, was cut
 * short, or has damaged pages behind a valid header, with exit code 1 and one line that says so;
 * it never starts and serves errors from it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_ENTRY } from '../service/support.js';
import { type Damage, damageStoreFile, writeStoreFile } from '../support/damage.js';

const dir = mkdtempSync(join(tmpdir(), 'faults-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a damaged store file', () => {
  for (const damage of ['pages', 'truncated', 'not-a-database'] as Damage[]) {
    it(`is refused at start with one clear line (${damage})`, async () => {
      const path = join(dir, `${damage}.db`);
      await writeStoreFile(path);
      damageStoreFile(path, damage);
      const run = spawnSync(process.execPath, [...BUILT_ENTRY, 'serve', '--port', '0', '--store', path], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^onboarding-status: cannot open the store .*${damage}\\.db is not a usable SQLite store \\(.+\\); restore it from a backup`,
        ),
      );
      expect(run.stderr).not.toMatch(/listening/);
    });
  }
});
