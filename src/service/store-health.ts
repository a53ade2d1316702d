/**
 * The store as the service uses it: every failure of a store call becomes a `StoreUnavailable`
 * (answered 503: retry later), and the outcome of the latest call says whether the store is up,
 * for `/metrics` without asking the store again. `/healthz` asks it (`probe`), with a deadline.
 */
import type { Store } from '../store/types.js';

/** A store call failed: the service cannot answer now, and says so with 503. */
export class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the store failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailable';
  }
}

/** What the latest store call showed. */
export interface StoreState {
  /** Whether the latest call succeeded (true before any call). */
  readonly up: boolean;
  /** The latest failure's message, while the store is down. */
  readonly error?: string;
}

/** A store whose failures are `StoreUnavailable`, and whose latest outcome is kept. */
export interface WatchedStore extends Store {
  readonly state: StoreState;
  /**
   * Whether the store answers a trivial read within `deadlineMillis`; never rejects. Updates
   * `state` like any call.
   */
  probe(deadlineMillis: number): Promise<StoreState>;
}

/** Watch a store: the same calls, with failures made `StoreUnavailable` and the outcome kept. */
export function watchStore(store: Store): WatchedStore {
  let state: StoreState = { up: true };
  const watched =
    <TArgs extends unknown[], TResult>(call: (...args: TArgs) => Promise<TResult>) =>
    async (...args: TArgs): Promise<TResult> => {
      try {
        const result = await call(...args);
        state = { up: true };
        return result;
      } catch (error) {
        const failure = error instanceof StoreUnavailable ? error : new StoreUnavailable(error);
        state = { up: false, error: failure.message };
        throw failure;
      }
    };
  const ping = watched(() => store.ping());
  return {
    append: watched((records) => store.append(records)),
    sessionRecords: watched((id) => store.sessionRecords(id)),
    recordsAfter: watched((seq, limit) => store.recordsAfter(seq, limit)),
    sessionIds: watched((after, limit) => store.sessionIds(after, limit)),
    view: watched((id) => store.view(id)),
    views: watched((query) => store.views(query)),
    viewChanges: watched((after, limit) => store.viewChanges(after, limit)),
    refreshViews: watched((ids, options) => store.refreshViews(ids, options)),
    viewsVersion: watched(() => store.viewsVersion()),
    setViewsVersion: watched((version) => store.setViewsVersion(version)),
    countSessions: watched(() => store.countSessions()),
    ping,
    close: () => store.close(),
    get state() {
      return state;
    },
    async probe(deadlineMillis) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StoreUnavailable(new Error(`no answer within ${deadlineMillis} ms`))),
          deadlineMillis,
        );
      });
      try {
        await Promise.race([ping(), late]);
      } catch (error) {
        state = { up: false, error: (error as Error).message };
      } finally {
        clearTimeout(timer);
      }
      return state;
    },
  };
}
