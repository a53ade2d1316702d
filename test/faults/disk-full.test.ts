/**
 * A full disk: the SQLite store on a small tmpfs, filled up while clients post. Deliveries that
 * cannot be committed get 503 (the vendor retries), never a 204 without the record; once space
 * is freed the service acknowledges again without a restart, and nothing acknowledged is lost.
 * Mounting a tmpfs needs root (`test/support/tmpfs.ts`).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_ENTRY, startServe } from '../service/support.js';
import { inCi, mountTmpfs } from '../support/tmpfs.js';
import { expectNothingLost, report, startLoad } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'faults-disk-'));
const tmpfs = mountTmpfs(dir, '16m');
const { mounted, refusal } = tmpfs;
afterAll(() => {
  tmpfs.unmount();
  rmSync(dir, { recursive: true, force: true });
});

/** Fill the file system holding `path` until it refuses another byte. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 120);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

if (!mounted && !inCi) {
  describe.skip(`a full disk (skipped: a tmpfs cannot be mounted here: ${refusal})`, () => {
    it('needs root', () => undefined);
  });
} else {
  describe('a full disk', () => {
    it('answers 503 while the store cannot commit, never 204 without the record, and recovers without a restart', async () => {
      expect(mounted, `mounting a tmpfs for the store: ${refusal}`).toBe(true);
      const server = await startServe(['--store', join(dir, 'full.db')], {}, BUILT_ENTRY);
      const load = startLoad(() => server.url, { workers: 8, padding: 2000 });
      try {
        await load.acknowledgedMore(100);
        const filler = join(dir, 'filler');
        fill(filler);
        await load.answeredMore(503, 50);
        expect(server.child.exitCode).toBeNull();
        const health = await fetch(`${server.url}/healthz`);
        const whileFull = load.acknowledged.size;
        rmSync(filler);
        await load.acknowledgedMore(100);
        report(
          `full disk: ${load.answers.get(503)} deliveries answered 503 while it was full (health ${health.status}); ` +
            `${load.acknowledged.size} acknowledged in all, ${load.acknowledged.size - whileFull} after space was freed, none lost`,
        );
      } finally {
        await load.stop();
      }
      await expectNothingLost(server.url, load.acknowledged);
      expect(await server.stop()).toBe(0);
    });
  });
}
