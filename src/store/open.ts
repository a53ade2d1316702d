/**
 * Open the store a `--store` option names: a PostgreSQL URL (`postgres://…`), or else the path of
 * an embedded SQLite file. Each store's database driver is an optional peer dependency of the
 * package, loaded only when that store is opened: the library and the core install without it.
 */
import type { FlowConfig } from '../types.js';
import type { Store } from './types.js';
import { createViewKeeper } from './views.js';

/** Options every store understands. */
export interface OpenStoreOptions {
  /** The flow configuration views are folded with (the service's `flow`). */
  readonly flow?: FlowConfig;
  /** Called after each commit with the records it carried and how long it took (ms). */
  readonly onCommit?: (records: number, millis: number) => void;
  /** Where a view that could not be folded is reported (the record is stored all the same). */
  readonly log?: (message: string) => void;
}

/** Whether a `--store` value names a PostgreSQL server. */
export const isPostgresUrl = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

/** A store's database driver is not installed: the message names the package to install. */
export class MissingDriverError extends Error {
  constructor(
    /** The npm package that provides the driver. */
    readonly packageName: string,
    /** What to pass to `npm install`: the package with the versions this one supports. */
    readonly install: string,
    store: string,
  ) {
    super(`the ${store} store needs the ${packageName} package, which is not installed: npm install ${install}`);
  }
}

/** The driver each store needs: its package as `npm install` takes it. */
const DRIVERS = {
  sqlite: { package: 'better-sqlite3', install: 'better-sqlite3@12', name: 'SQLite' },
  postgres: { package: 'pg', install: 'pg@8', name: 'PostgreSQL' },
} as const;

/** Load a store's module; a missing driver becomes a `MissingDriverError`. */
async function load<T>(driver: (typeof DRIVERS)[keyof typeof DRIVERS], loading: Promise<T>): Promise<T> {
  try {
    return await loading;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    // Node names the package it could not find: "Cannot find package 'better-sqlite3' imported from …".
    if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes(`'${driver.package}'`)) {
      throw new MissingDriverError(driver.package, driver.install, driver.name);
    }
    throw error;
  }
}

/** Open a store from a SQLite path or a PostgreSQL URL. */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<Store> {
  const { flow, ...rest } = options;
  const settings = { ...rest, views: createViewKeeper({ flow }) };
  if (!isPostgresUrl(spec))
    return (await load(DRIVERS.sqlite, import('./sqlite.js'))).createSqliteStore(spec, settings);
  return (await load(DRIVERS.postgres, import('./postgres.js'))).createPostgresStore(spec, settings);
}
