/**
 * The poller: asks the vendor for the status of sessions that are not terminal, when
 * the schedule (`src/core/schedule.ts`) says so, and stores each answer as a `poll` delivery
 * record (docs/spec.md#the-delivery-record), exactly as a webhook is stored. A thin face: it decides nothing itself.
 */
import { Ledger } from '../core/ledger.js';
import {
  activityOf,
  DEFAULT_POLL_POLICY,
  isDue,
  noteAttempt,
  type PollFailures,
  type PollPlan,
  type PollPolicy,
  planPoll,
  type ScheduledView,
  type SessionActivity,
} from '../core/schedule.js';
import { parseRecord } from '../records/parse.js';
import type { RawDeliveryRecord as DeliveryRecord } from '../records/record.js';
import { recordText } from '../store/record.js';
import type { Store } from '../store/types.js';
import type { FlowConfig } from '../types.js';
import { pollHeaders, statusUrl } from '../vendor/polling.js';
import { TokenKeeper, type TokenSource } from './token.js';

/** Options of a poller. */
export interface PollerOptions {
  /** Where delivery records are read from and polls are appended to. */
  readonly store: Store;
  /** The vendor's API base URL, e.g. `https://demo-api.incodesmile.com`. */
  readonly baseUrl: string;
  /** Sent as `x-api-key`. */
  readonly apiKey: string;
  /** The executive token (`X-Incode-Hardware-Id`): as given, or through a login. */
  readonly token: TokenSource;
  /** The schedule's parameters. */
  readonly policy?: Partial<PollPolicy>;
  /** At most this many polls in flight at once, across sessions. @defaultValue 4 */
  readonly concurrency?: number;
  /** A poll not answered within this long is a timeout. @defaultValue 10 000 */
  readonly timeoutMillis?: number;
  /** The flow configuration the views are read with. */
  readonly flow?: FlowConfig;
  /** @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The clock, in ms since the epoch. @defaultValue Date.now */
  readonly now?: () => number;
  /** Waits in the background loop; resolves early when `signal` aborts. @defaultValue setTimeout */
  readonly sleep?: (millis: number, signal: AbortSignal) => Promise<void>;
  /** The background loop sleeps at least this long between rounds. @defaultValue 50 */
  readonly minSleepMillis?: number;
  /** ...and at most this long, so new sessions are seen soon. @defaultValue 1 000 */
  readonly maxSleepMillis?: number;
  /**
   * Each round re-reads only the sessions with new records; every so often it re-reads them all.
   * @defaultValue 60 000
   */
  readonly fullScanMillis?: number;
  /** Operational messages (never bodies). */
  readonly log?: (message: string) => void;
}

/** What came of one attempt. */
export type PollOutcome =
  | { readonly kind: 'answered'; readonly status: string; readonly record: DeliveryRecord }
  | { readonly kind: 'rate-limited'; readonly retryAfterMillis: number | undefined }
  | { readonly kind: 'server-error'; readonly httpStatus: number }
  | { readonly kind: 'refused'; readonly httpStatus: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'network-error'; readonly message: string };

/** One round of the poller: the plan of each session it looked at, and the polls it made. */
export interface PollRound {
  readonly plans: ReadonlyMap<string, PollPlan>;
  readonly polled: readonly { readonly interviewId: string; readonly outcome: PollOutcome }[];
  /** The earliest planned poll after this round, if any. */
  readonly nextAt: number | undefined;
}

/** A poller: run rounds yourself (`tick`), or let it loop in the background (`start`). */
export interface Poller {
  /** Plan every session and poll the due ones, at most `concurrency` at once. */
  tick(): Promise<PollRound>;
  /** The plan for one session now (undefined for a session the store does not know). */
  plan(interviewId: string): Promise<PollPlan | undefined>;
  /** The failures remembered for a session. */
  failures(interviewId: string): PollFailures | undefined;
  /** Loop in the background: a round, then sleep until the next planned poll (bounded both ways). */
  start(): void;
  /** Stop the loop and wait for the round in progress. */
  stop(): Promise<void>;
}

const PAGE = 500;

/** Read `Retry-After`: seconds, or an HTTP date. */
export function retryAfterMillis(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Settle with the promise, or reject as soon as the signal aborts: a poll ends at its timeout even
 * if the fetch implementation lost track of the signal (undici can, after a garbage collection).
 */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const defaultSleep = (millis: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, millis);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Create a poller over a store. */
export function createPoller(options: PollerOptions): Poller {
  const { store, flow } = options;
  const policy: PollPolicy = { ...DEFAULT_POLL_POLICY, ...options.policy };
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const log = options.log ?? (() => undefined);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const timeoutMillis = options.timeoutMillis ?? 10_000;
  const tokens = new TokenKeeper(options.token, now);
  const failures = new Map<string, PollFailures>();
  const base = options.baseUrl.replace(/\/+$/, '');
  // The loop looks for new sessions at least this often, and never sleeps less than the floor.
  const minSleep = Math.max(1, options.minSleepMillis ?? 50);
  const maxSleep = Math.max(minSleep, options.maxSleepMillis ?? 1_000);
  const fullScanMillis = options.fullScanMillis ?? 60_000;

  let halt = new AbortController();

  /** What the schedule needs of each session, re-read only when the session has new records. */
  const known = new Map<string, { view: ScheduledView; activity: SessionActivity }>();
  let lastSeq = 0;
  let lastFullScan = Number.NEGATIVE_INFINITY;

  const refresh = async (interviewId: string): Promise<void> => {
    const records = (await store.sessionRecords(interviewId)).map((stored) => stored.record);
    const ledger = new Ledger({ flow });
    for (const record of records) ledger.addRaw(record);
    const view = ledger.view(interviewId);
    if (view === undefined) {
      known.delete(interviewId);
      return;
    }
    const { terminal, pollRequested } = view;
    known.set(interviewId, { view: { interviewId, terminal, pollRequested }, activity: activityOf(records) });
  };

  /**
   * Bring `known` up to date: the sessions of records stored since the last round, and now and
   * then every session (a store whose positions can commit out of order could hide a record).
   */
  const sync = async (): Promise<void> => {
    const dirty = new Set<string>();
    if (now() - lastFullScan >= fullScanMillis) {
      lastFullScan = now();
      let after: string | undefined;
      for (;;) {
        const ids = await store.sessionIds(after, PAGE);
        for (const id of ids) dirty.add(id);
        if (ids.length < PAGE) break;
        after = ids.at(-1);
      }
    }
    for (;;) {
      const page = await store.recordsAfter(lastSeq, PAGE);
      for (const stored of page) if (stored.interviewId !== undefined) dirty.add(stored.interviewId);
      const last = page.at(-1);
      if (last !== undefined) lastSeq = last.seq;
      if (page.length < PAGE) break;
    }
    for (const id of dirty) await refresh(id);
  };

  const planNow = (interviewId: string): PollPlan | undefined => {
    const entry = known.get(interviewId);
    return entry && planPoll(entry.view, entry.activity, failures.get(interviewId), now(), policy);
  };

  const planOf = async (interviewId: string): Promise<PollPlan | undefined> => {
    await refresh(interviewId);
    return planNow(interviewId);
  };

  const attempt = async (interviewId: string): Promise<PollOutcome> => {
    const token = await tokens.get();
    const requestedAt = now();
    const url = statusUrl(base, interviewId);
    // One controller, held by its timer, for the timeout and for a stop (which cancels polls in
    // flight). Not `AbortSignal.any` over `AbortSignal.timeout`: dependent signals are held weakly,
    // and the end-to-end test saw a poll hang forever with it, stalling the loop.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('the poll timed out', 'TimeoutError')), timeoutMillis);
    const onHalt = () => abort.abort(new DOMException('the poller stopped', 'AbortError'));
    halt.signal.addEventListener('abort', onHalt, { once: true });
    let response: Response;
    let body: unknown;
    // The answer's text, stored as it arrived (a JSON parser and serializer would change numbers).
    let bodyText = '';
    try {
      response = await raceAbort(
        doFetch(url, {
          headers: pollHeaders(options.apiKey, token),
          signal: abort.signal,
        }),
        abort.signal,
      );
      bodyText = await raceAbort(response.text(), abort.signal);
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
    } catch (error) {
      const name = (error as { name?: string }).name;
      failures.set(
        interviewId,
        noteAttempt(failures.get(interviewId), { requestedAt, answered: false }) as PollFailures,
      );
      if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
      return { kind: 'network-error', message: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
      halt.signal.removeEventListener('abort', onHalt);
    }
    const receivedAt = now();
    const fail = (outcome: PollOutcome, retryAfter?: number): PollOutcome => {
      failures.set(
        interviewId,
        noteAttempt(
          failures.get(interviewId),
          { requestedAt, answered: false, retryAfterMillis: retryAfter },
          receivedAt,
        ) as PollFailures,
      );
      return outcome;
    };
    if (response.status === 429) {
      const wait = retryAfterMillis(response.headers.get('retry-after'), receivedAt);
      return fail({ kind: 'rate-limited', retryAfterMillis: wait }, wait);
    }
    if (response.status >= 500) {
      const wait = retryAfterMillis(response.headers.get('retry-after'), receivedAt);
      return fail({ kind: 'server-error', httpStatus: response.status }, wait);
    }
    const status = (body as { onboardingStatus?: unknown } | undefined)?.onboardingStatus;
    if (!response.ok || typeof status !== 'string') {
      if (response.status === 401) tokens.invalidate(token);
      return fail({ kind: 'refused', httpStatus: response.status });
    }
    const envelope = {
      kind: 'poll',
      interviewId,
      requestedAt: new Date(requestedAt).toISOString(),
      receivedAt: new Date(receivedAt).toISOString(),
    };
    const record: DeliveryRecord = { ...envelope, body };
    // The core reads the answer once, here: the store is handed that reading, not the text to parse again.
    await store.append([{ text: recordText(envelope, bodyText), parsed: parseRecord(record) }]);
    failures.delete(interviewId);
    return { kind: 'answered', status, record };
  };

  const tick = async (): Promise<PollRound> => {
    await sync();
    const plans = new Map<string, PollPlan>();
    for (const id of known.keys()) {
      const plan = planNow(id);
      if (plan !== undefined) plans.set(id, plan);
      // A session no longer polled forgets its failures.
      if (plan?.poll === false) failures.delete(id);
    }
    const at = now();
    const due = [...plans.entries()]
      .filter(([, plan]) => isDue(plan, at))
      .sort(([, a], [, b]) => (a.poll && b.poll ? a.at - b.at : 0))
      .map(([id]) => id);
    const polled: { interviewId: string; outcome: PollOutcome }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const interviewId = due[next++] as string;
        let outcome: PollOutcome;
        try {
          outcome = await attempt(interviewId);
        } catch (error) {
          // A login or store failure: counted as a failed attempt, so it backs off too.
          failures.set(
            interviewId,
            noteAttempt(failures.get(interviewId), { requestedAt: now(), answered: false }) as PollFailures,
          );
          outcome = { kind: 'network-error', message: error instanceof Error ? error.message : String(error) };
        }
        if (outcome.kind !== 'answered') log(`poll of ${interviewId}: ${describe(outcome)}`);
        polled.push({ interviewId, outcome });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    // Re-plan what was polled, so the round reports the next time truthfully.
    for (const { interviewId } of polled) {
      const plan = await planOf(interviewId);
      if (plan !== undefined) plans.set(interviewId, plan);
    }
    let nextAt: number | undefined;
    for (const plan of plans.values()) if (plan.poll && (nextAt === undefined || plan.at < nextAt)) nextAt = plan.at;
    return { plans, polled, nextAt };
  };

  let running: Promise<void> | undefined;
  let stopping: AbortController | undefined;

  return {
    tick,
    plan: planOf,
    failures: (interviewId) => failures.get(interviewId),
    start() {
      if (running !== undefined) return;
      const controller = new AbortController();
      stopping = controller;
      halt = controller;
      running = (async () => {
        while (!controller.signal.aborted) {
          let wait = maxSleep;
          try {
            const round = await tick();
            if (round.nextAt !== undefined) wait = Math.min(maxSleep, round.nextAt - now());
          } catch (error) {
            log(`poll round failed: ${error instanceof Error ? error.message : String(error)}`);
          }
          await sleep(Math.max(minSleep, wait), controller.signal);
        }
      })();
    },
    async stop() {
      stopping?.abort();
      await running;
      running = undefined;
      stopping = undefined;
    },
  };
}

function describe(outcome: PollOutcome): string {
  switch (outcome.kind) {
    case 'answered':
      return outcome.status;
    case 'rate-limited':
      return `429, retry after ${outcome.retryAfterMillis ?? '?'} ms`;
    case 'server-error':
    case 'refused':
      return `HTTP ${outcome.httpStatus}`;
    case 'timeout':
      return 'timed out';
    case 'network-error':
      return outcome.message;
  }
}
