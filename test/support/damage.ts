/**
 * Damaged SQLite files for the store's start-up check: a store file with records in it, then
 * bytes overwritten in its pages while the header (page 1) stays valid, as a bad disk or a
 * copy cut short would leave it.
 */
import { closeSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { createSqliteStore } from '../../src/store/sqlite.js';

/** Write a store of `records` deliveries to `path` and close it (its pages all in the main file). */
export async function writeStoreFile(path: string, records = 400): Promise<void> {
  const store = createSqliteStore(path);
  const padding = 'x'.repeat(300);
  for (let i = 0; i < records; i += 50) {
    await store.append(
      Array.from({ length: 50 }, (_, j) => ({
        text: JSON.stringify({
          kind: 'video-selfie',
          receivedAt: new Date(Date.UTC(2026, 10, 25, 10, 0, i + j)).toISOString(),
          body: { interviewId: `s${(i + j) % 37}`, padding },
        }),
      })),
    );
  }
  await store.close();
}

/** How a file is damaged. */
export type Damage = 'pages' | 'truncated' | 'not-a-database';

/** Damage a closed store file: garbage over some pages, half of it cut off, or no SQLite at all. */
export function damageStoreFile(path: string, damage: Damage): void {
  const size = statSync(path).size;
  if (damage === 'truncated') {
    truncateSync(path, Math.floor(size / 2));
    return;
  }
  const fd = openSync(path, 'r+');
  try {
    if (damage === 'not-a-database') {
      writeSync(fd, Buffer.from('this is not a database file\n'.repeat(8)), 0, undefined, 0);
      return;
    }
    // Pages 3 to 6 (of 4 KiB), after the header page and the first table's root.
    const garbage = Buffer.alloc(4 * 4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
    writeSync(fd, garbage, 0, garbage.length, 2 * 4096);
  } finally {
    closeSync(fd);
  }
}
