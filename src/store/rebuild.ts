/**
 * Rebuild: views written by another version of the core (or a store written before views were
 * kept) are folded again from the log, a page of sessions per transaction, so the service keeps
 * acknowledging deliveries in between. A delivery that reaches a session not yet rebuilt folds
 * that session itself; the rebuild skips it. Interrupted, it starts again where views are stale.
 */
import type { Store } from './types.js';

/** How far a rebuild is. */
export interface RebuildProgress {
  /** Sessions looked at so far. */
  readonly done: number;
  /** Sessions in the store when the rebuild began (more may arrive meanwhile). */
  readonly total: number;
  /** Views folded again so far (the others were current already). */
  readonly rebuilt: number;
  /** Milliseconds since it began. */
  readonly millis: number;
}

/** Options of {@link rebuildViews}. */
export interface RebuildOptions {
  /** The version views are rebuilt to (`ViewKeeper.version` of the store's keeper). */
  readonly version: string;
  /** Fold every view again, even those of the current version. @defaultValue false */
  readonly force?: boolean;
  /** Sessions per transaction. @defaultValue 200 */
  readonly batch?: number;
  /** Called after each page (the next page waits for what it returns). */
  readonly onProgress?: (progress: RebuildProgress) => void | Promise<void>;
  /** Stops the rebuild between two pages (it resumes at the next start). */
  readonly signal?: AbortSignal;
}

/**
 * Fold again every view not of `version` (all of them with `force`), page by page, then note the
 * store's views as of `version`. Resolves with the last progress; an aborted rebuild resolves too,
 * without noting the version.
 */
export async function rebuildViews(
  store: Store,
  options: RebuildOptions,
): Promise<RebuildProgress & { complete: boolean }> {
  const started = performance.now();
  const batch = options.batch ?? 200;
  const total = await store.countSessions();
  let done = 0;
  let rebuilt = 0;
  let after: string | undefined;
  const progress = () => ({ done, total, rebuilt, millis: performance.now() - started });
  for (;;) {
    if (options.signal?.aborted) return { ...progress(), complete: false };
    const ids = await store.sessionIds(after, batch);
    if (ids.length === 0) break;
    rebuilt += await store.refreshViews(ids, { force: options.force });
    done += ids.length;
    after = ids.at(-1);
    await options.onProgress?.(progress());
    // Let deliveries and reads waiting on this process run between two pages.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await store.setViewsVersion(options.version);
  return { ...progress(), complete: true };
}
