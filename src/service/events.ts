/**
 * `GET /events`: server-sent events of session view changes. The event id is the store position
 * of the latest record the view includes, so a client resumes with `Last-Event-ID` and misses
 * nothing. Records written by another instance (a shared store) are found by polling.
 */

import type { StoredRecord } from '../store/types.js';
import type { SessionView } from '../types.js';

/** Wakes event streams when this process committed something. */
export class ChangeSignal {
  readonly #waiters = new Set<() => void>();
  #generation = 0;

  /** How many changes were signalled: a read begun after a change sees it. */
  get generation(): number {
    return this.#generation;
  }

  /** Wake every waiting stream. */
  notify(): void {
    this.#generation++;
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

/** How a stream reads: a page of records after a position, and a session's view. */
export interface StreamReads {
  /** Records after a position, in order (a page of them). */
  readonly records: (after: number) => Promise<StoredRecord[]>;
  /** The view of a session that includes at least its record at position `at`. */
  readonly view: (interviewId: string, at: number) => Promise<SessionView | undefined>;
}

/**
 * Reads shared by every stream of a service. Streams woken by one change ask for the same page
 * at the same moment: they share one store read (only while it is in flight, and only among
 * callers after the same change, so no stream is handed a read older than a change it saw).
 * A view is folded once per session and position, however many streams send it.
 */
export function sharedReads(
  signal: ChangeSignal,
  records: (after: number) => Promise<StoredRecord[]>,
  view: (interviewId: string) => Promise<SessionView | undefined>,
): StreamReads {
  const pages = new Map<string, Promise<StoredRecord[]>>();
  const views = new Map<string, Promise<SessionView | undefined>>();
  const RECENT_VIEWS = 256;
  return {
    records(after) {
      const key = `${signal.generation}:${after}`;
      let page = pages.get(key);
      if (page === undefined) {
        page = records(after).finally(() => pages.delete(key));
        pages.set(key, page);
      }
      return page;
    },
    view(interviewId, at) {
      // A fold read after record `at` was stored includes it: any stream may send it as that event.
      const key = `${at}:${interviewId}`;
      let folded = views.get(key);
      if (folded === undefined) {
        folded = view(interviewId);
        folded.catch(() => views.delete(key));
        views.set(key, folded);
        if (views.size > RECENT_VIEWS) views.delete(views.keys().next().value as string);
      }
      return folded;
    },
  };
}

/** Options of one event stream. */
export interface EventStreamOptions extends StreamReads {
  readonly signal: ChangeSignal;
  /** Resume after this store position (0: every session's view, then changes). */
  readonly after: number;
  /** Ends the stream (client gone, or the service closing). */
  readonly abort: AbortSignal;
  /** How often to look for records another instance wrote. @defaultValue 1000 */
  readonly pollMillis?: number;
  /** A comment is sent after this long without events, so dead connections are found. @defaultValue 15000 */
  readonly heartbeatMillis?: number;
  readonly onClose?: () => void;
}

/** Records a stream reads at a time. */
export const EVENT_PAGE = 500;

/** A `text/event-stream` body. */
export function eventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pollMillis = options.pollMillis ?? 1000;
  const heartbeatMillis = options.heartbeatMillis ?? 15_000;
  let seq = options.after;
  let first = true;
  /** Whether the last read reached the end of the store, as of change `seenGeneration`. */
  let current = false;
  let seenGeneration = -1;
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
        seenGeneration = options.signal.generation;
        const batch = await options.records(seq);
        // A short page read after the latest change leaves nothing unread until the next one
        // (or the next poll, for records of other instances): no need to read again now.
        current = batch.length < EVENT_PAGE;
        if (batch.length > 0) {
          // Several records of one session in a batch make one event: its view after the last.
          const latest = new Map<string, number>();
          for (const stored of batch) if (stored.interviewId !== undefined) latest.set(stored.interviewId, stored.seq);
          const events = [...latest].sort(([, a], [, b]) => a - b);
          let text = '';
          for (const [interviewId, at] of events) {
            const view = await options.view(interviewId, at);
            if (view !== undefined) text += `id: ${at}\nevent: view\ndata: ${JSON.stringify(view)}\n\n`;
          }
          const last = (batch.at(-1) as { seq: number }).seq;
          // An id without data moves the client's Last-Event-ID past records of no session.
          if (events.at(-1)?.[1] !== last) text += `id: ${last}\n\n`;
          seq = last;
          return text;
        }
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
