/**
 * `GET /events`: server-sent events of session view changes, read from the store's materialized
 * views by position (`Store.viewChanges`). Without a resume point a stream sends a first page (the
 * latest changed sessions), then changes; with one (`Last-Event-ID`, `?after=`), the changes after
 * it. The event id is the store position of the change the view reflects, and a stream also moves
 * its id past positions that changed no view, so a client resumes without a gap or a repeat.
 * Changes another instance writes are found by polling.
 */
import type { ViewChanges, ViewRow } from '../store/types.js';

/** Wakes event streams when this process committed something. */
export class ChangeSignal {
  readonly #waiters = new Set<() => void>();
  #generation = 0;
  #latest = 0;

  /** How many changes were signalled: a read begun after a change sees it. */
  get generation(): number {
    return this.#generation;
  }

  /** The highest position this process committed. */
  get latest(): number {
    return this.#latest;
  }

  /** Wake every waiting stream: something was committed (at position `seq`). */
  notify(seq = 0): void {
    this.#generation++;
    if (seq > this.#latest) this.#latest = seq;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolve on the next change, after `millis`, or when `abort` fires; whichever is first. */
  wait(millis: number, abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, millis);
      this.#waiters.add(done);
      abort.addEventListener('abort', done, { once: true });
    });
  }
}

/** How a stream reads: a page of view changes, and a view's JSON text. */
export interface StreamReads {
  /** Views changed after a position (the latest ones without), and how far that reaches. */
  readonly changes: (after: number | undefined) => Promise<ViewChanges>;
  /** The session view a stored row stands for, as JSON text (`undefined`: no longer any). */
  readonly render: (row: ViewRow) => Promise<string | undefined>;
}

/** Views a stream reads at a time. */
export const EVENT_PAGE = 500;
/** Views a stream without a resume point sends first: the latest changed sessions. */
export const FIRST_PAGE = 100;

/**
 * Reads shared by every stream of a service. Streams woken by one change ask for the same page
 * at the same moment: they share one store read (only while it is in flight, and only among
 * callers after the same change, so no stream is handed a read older than a change it saw).
 * A view is rendered once per session and position, however many streams send it.
 */
export function sharedReads(
  signal: ChangeSignal,
  changes: (after: number | undefined) => Promise<ViewChanges>,
  render: (row: ViewRow) => Promise<string | undefined>,
): StreamReads {
  const pages = new Map<string, Promise<ViewChanges>>();
  const rendered = new Map<string, Promise<string | undefined>>();
  const RECENT_VIEWS = 1024;
  return {
    changes(after) {
      const key = `${signal.generation}:${after ?? 'latest'}`;
      let page = pages.get(key);
      if (page === undefined) {
        page = changes(after).finally(() => pages.delete(key));
        pages.set(key, page);
      }
      return page;
    },
    render(row) {
      const key = `${row.seq}:${row.interviewId}`;
      let text = rendered.get(key);
      if (text === undefined) {
        text = render(row);
        text.catch(() => rendered.delete(key));
        rendered.set(key, text);
        if (rendered.size > RECENT_VIEWS) rendered.delete(rendered.keys().next().value as string);
      }
      return text;
    },
  };
}

/** Options of one event stream. */
export interface EventStreamOptions extends StreamReads {
  readonly signal: ChangeSignal;
  /** Resume after this store position; without it, send a first page of the latest changes. */
  readonly after: number | undefined;
  /** Ends the stream (client gone, or the service closing). */
  readonly abort: AbortSignal;
  /** How often to look for changes another instance wrote. @defaultValue 1000 */
  readonly pollMillis?: number;
  /** A comment is sent after this long without events, so dead connections are found. @defaultValue 15000 */
  readonly heartbeatMillis?: number;
  readonly onClose?: () => void;
}

/** How soon to read again when this process committed a change the store does not show readers yet. */
const CATCH_UP_MILLIS = 20;

/** A `text/event-stream` body. */
export function eventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pollMillis = options.pollMillis ?? 1000;
  const heartbeatMillis = options.heartbeatMillis ?? 15_000;
  let position = options.after;
  let first = true;
  /** Whether the last read reached the end of what the store shows, as of change `seenGeneration`. */
  let current = false;
  let seenGeneration = -1;
  /** This process committed past what the store shows readers yet. */
  let behind = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  options.abort.addEventListener('abort', close, { once: true });

  /** The next chunk of text, or `null` once the stream is over. */
  const next = async (): Promise<string | null> => {
    if (first) {
      first = false;
      return 'retry: 1000\n\n';
    }
    let idle = 0;
    while (!closed && !options.abort.aborted) {
      if (!current || options.signal.generation !== seenGeneration) {
        if (behind) {
          // On PostgreSQL, while an older transaction of another instance is in flight: look again soon.
          behind = false;
          await options.signal.wait(CATCH_UP_MILLIS, options.abort);
        }
        seenGeneration = options.signal.generation;
        const page = await options.changes(position);
        // A short page read after the latest change leaves nothing unread until the next one
        // (or the next poll, for changes of other instances): no need to read again now.
        current = position !== undefined && page.views.length < EVENT_PAGE;
        let text = '';
        let last = position ?? 0;
        for (const row of page.views) {
          const view = await options.render(row);
          if (view !== undefined) text += `id: ${row.seq}\nevent: view\ndata: ${view}\n\n`;
          last = row.seq;
        }
        // An id without data moves the client's Last-Event-ID past positions that changed no view.
        if (page.through > last || (position === undefined && text === '')) text += `id: ${page.through}\n\n`;
        position = Math.max(page.through, last);
        behind = options.signal.latest > position;
        if (behind) current = false;
        if (text !== '') return text;
        continue;
      }
      if (idle >= heartbeatMillis) return ': heartbeat\n\n';
      await options.signal.wait(Math.min(pollMillis, heartbeatMillis - idle), options.abort);
      idle += pollMillis;
      current = false;
    }
    return null;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const text = await next();
        if (text === null) {
          close();
          controller.close();
        } else controller.enqueue(encoder.encode(text));
      } catch (error) {
        close();
        controller.error(error);
      }
    },
    cancel() {
      close();
    },
  });
}
