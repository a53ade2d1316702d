/**
 * Open the store a `--store` option names: a PostgreSQL URL (`postgres://…`), loaded only when
 * asked for, or else the path of an embedded SQLite file.
 */
import type { Store } from './types.js';

/** Options every store understands. */
export interface OpenStoreOptions {
  /** Called after each commit with the records it carried and how long it took (ms). */
  readonly onCommit?: (records: number, millis: number) => void;
}

/** Whether a `--store` value names a PostgreSQL server. */
export const isPostgresUrl = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

/** Open a store from a SQLite path or a PostgreSQL URL. */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<Store> {
  // Each store's native or network client is loaded only when that store is opened.
  if (!isPostgresUrl(spec)) return (await import('./sqlite.js')).createSqliteStore(spec, options);
  // A variable path keeps the PostgreSQL client out of the module graph until it is wanted.
  const path = './postgres.js';
  let module: { createPostgresStore?: (url: string, options?: OpenStoreOptions) => Store | Promise<Store> };
  try {
    module = await import(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      if (/['"]pg['"]/.test(String((error as Error).message))) {
        throw new Error('PostgreSQL stores need the `pg` client: npm install pg');
      }
      throw new Error('PostgreSQL stores are not available in this build (src/store/postgres.ts is missing)');
    }
    throw error;
  }
  if (typeof module.createPostgresStore !== 'function') {
    throw new Error('src/store/postgres.ts does not export createPostgresStore(url)');
  }
  return module.createPostgresStore(spec, options);
}
