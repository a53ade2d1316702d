/**
 * `GET /events`: server-sent events of session view changes. The event id is the store position
 * of the latest record the view includes, so a client resumes with `Last-Event-ID` and misses
 * nothing. Records written by another instance (a shared store) are found by polling.
 */

import type { Store } from '../store/types.js';
import type { SessionView } from '../types.js';

/** Wakes event streams when this process committed something. */
export class ChangeSignal {
  readonly #waiters = new Set<() => void>();

  /** Wake every waiting stream. */
  notify(): void {
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

/** Options of one event stream. */
export interface EventStreamOptions {
  readonly store: Store;
  readonly signal: ChangeSignal;
  /** The current view of a session (folded from the store). */
  readonly view: (interviewId: string) => Promise<SessionView | undefined>;
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

const PAGE = 500;

/** A `text/event-stream` body. */
export function eventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pollMillis = options.pollMillis ?? 1000;
  const heartbeatMillis = options.heartbeatMillis ?? 15_000;
  let seq = options.after;
  let first = true;
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
      const batch = await options.store.recordsAfter(seq, PAGE);
      if (batch.length > 0) {
        // Several records of one session in a batch make one event: its view after the last.
        const latest = new Map<string, number>();
        for (const stored of batch) if (stored.interviewId !== undefined) latest.set(stored.interviewId, stored.seq);
        const events = [...latest].sort(([, a], [, b]) => a - b);
        let text = '';
        for (const [interviewId, at] of events) {
          const view = await options.view(interviewId);
          if (view !== undefined) text += `id: ${at}\nevent: view\ndata: ${JSON.stringify(view)}\n\n`;
        }
        const last = (batch.at(-1) as { seq: number }).seq;
        // An id without data moves the client's Last-Event-ID past records of no session.
        if (events.at(-1)?.[1] !== last) text += `id: ${last}\n\n`;
        seq = last;
        return text;
      }
      if (idle >= heartbeatMillis) return ': heartbeat\n\n';
      await options.signal.wait(Math.min(pollMillis, heartbeatMillis - idle), options.abort);
      idle += pollMillis;
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
