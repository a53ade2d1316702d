/**
 * A full disk under `replay`: a log whose sessions do not fit the memory budget, with TMPDIR on
 * a small tmpfs. The command says so in one line and exits 1; nothing is left on the disk.
 * Mounting a tmpfs needs root (`test/support/tmpfs.ts`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../support/cli.js';
import { inCi, mountTmpfs } from '../support/tmpfs.js';

const dir = mkdtempSync(join(tmpdir(), 'faults-fold-disk-'));
const small = join(dir, 'tmp');
const tmpfs = mountTmpfs(small, '2m');
const { mounted, refusal } = tmpfs;
afterAll(() => {
  tmpfs.unmount();
  rmSync(dir, { recursive: true, force: true });
});

if (!mounted && !inCi) {
  describe.skip(`replay on a full disk (skipped: a tmpfs cannot be mounted here: ${refusal})`, () => {
    it('needs root', () => undefined);
  });
} else {
  describe('replay on a full disk', () => {
    it('says so in one line, exit 1, and leaves nothing on the disk', () => {
      const log = join(dir, 'log.jsonl');
      writeFileSync(
        log,
        execFileSync(
          process.execPath,
          ['--import', 'tsx', 'scripts/generate-log.ts', '--records', '100000', '--sessions', '20000', '--seed', '3'],
          { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      );
      const run = cli(['replay', '--json', log, '--max-memory', '1M'], { env: { TMPDIR: small } });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^onboarding-status replay: cannot write temporary files in .*\(no space left on the device\)/,
      );
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(small)).toEqual([]);
      const { bfree, blocks } = statfsSync(small);
      expect(bfree).toBe(blocks);
    });
  });
}
