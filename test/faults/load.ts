/**
 * What the fault suite shares: a load of distinct deliveries posted by concurrent clients (each
 * tagged, so every acknowledged one can be looked for in the store afterwards), and the check
 * that a service lost nothing it acknowledged and serves the views a replay of its export gives.
 */
import { expect } from 'vitest';
import type { SessionView } from '../../src/types.js';
import { viewsOf } from '../service/support.js';

const STATUSES = [
  'ID_VALIDATION_FINISHED',
  'FACE_VALIDATION_FINISHED',
  'GOVERNMENT_VALIDATION_FINISHED',
  'ONBOARDING_FINISHED',
  'MANUAL_REVIEW_APPROVED',
];

/** Delivery `n`: a kind and a body carrying its tag `d{n}`, spread over 20 sessions, some by correlation. */
function delivery(n: number): { kind: string; body: Record<string, unknown>; tag: string } {
  const session = `s${n % 20}`;
  const tag = `d${n}`;
  switch (n % 5) {
    case 0:
      return { kind: 'watchlist', body: { interviewId: session, ref: 'w', search_id: tag }, tag };
    case 1:
      return { kind: 'proof-of-payment', body: { requestId: `r-${session}`, folio: tag }, tag };
    case 2:
      return {
        kind: 'work-history',
        body: { interviewId: session, requestId: `r-${session}`, workHistory: { tag } },
        tag,
      };
    default:
      return {
        kind: 'onboarding-status',
        body: { interviewId: session, onboardingStatus: STATUSES[n % STATUSES.length], externalId: tag },
        tag,
      };
  }
}

/** Options of {@link startLoad}. */
export interface LoadOptions {
  /** Concurrent clients. */
  readonly workers: number;
  /** Headers every delivery carries (authentication). */
  readonly headers?: Record<string, string>;
  /** Padding added to each body, in characters. @defaultValue 0 */
  readonly padding?: number;
}

/** A running load. */
export interface Load {
  /** Tags of the deliveries answered 204. */
  readonly acknowledged: Set<string>;
  /** Answers by status (`error`: no answer, the connection failed). */
  readonly answers: Map<number | 'error', number>;
  /** How long each 503 took to come, in ms. */
  readonly unavailableMillis: number[];
  /** Resolves once `count` more deliveries were acknowledged than when it was called. */
  acknowledgedMore(count: number): Promise<void>;
  /** Resolves once `count` more answers of `status` came than when it was called. */
  answeredMore(status: number | 'error', count: number): Promise<void>;
  /** Stop posting; resolves when every client has its last answer. */
  stop(): Promise<void>;
}

/**
 * Post distinct deliveries from concurrent clients to `url()` (read before each post: a
 * restarted service has a new port; `undefined` while there is none) until stopped.
 */
export function startLoad(url: () => string | undefined, options: LoadOptions): Load {
  const acknowledged = new Set<string>();
  const answers = new Map<number | 'error', number>();
  const unavailableMillis: number[] = [];
  const waiters = new Set<() => void>();
  let next = 0;
  let stopped = false;
  const count = (key: number | 'error') => {
    answers.set(key, (answers.get(key) ?? 0) + 1);
    for (const check of [...waiters]) check();
  };
  const padding = 'p'.repeat(options.padding ?? 0);
  const worker = async () => {
    while (!stopped) {
      const base = url();
      if (base === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const { kind, body, tag } = delivery(next++);
      const started = performance.now();
      try {
        const response = await fetch(`${base}/webhooks/${kind}`, {
          method: 'POST',
          headers: options.headers,
          body: JSON.stringify(padding === '' ? body : { ...body, padding }),
        });
        await response.arrayBuffer();
        if (response.status === 204) acknowledged.add(tag);
        if (response.status === 503) unavailableMillis.push(performance.now() - started);
        count(response.status);
      } catch {
        count('error');
        // A refused connection fails at once: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, worker));
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return {
    acknowledged,
    answers,
    unavailableMillis,
    acknowledgedMore(more) {
      const target = acknowledged.size + more;
      return until(() => acknowledged.size >= target);
    },
    answeredMore(status, more) {
      const target = (answers.get(status) ?? 0) + more;
      return until(() => (answers.get(status) ?? 0) >= target);
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** The tags in an export. */
const tagsOf = (exported: string): Set<string> =>
  new Set((exported.match(/"d\d+"/g) ?? []).map((quoted) => quoted.slice(1, -1)));

/**
 * The promises a service keeps after any fault: every delivery it acknowledged is in its export,
 * and the views it serves (the listing and each session) are the views a replay of that export
 * gives.
 */
export async function expectNothingLost(base: string, acknowledged: ReadonlySet<string>): Promise<string> {
  const response = await fetch(`${base}/records`);
  expect(response.status).toBe(200);
  const exported = await response.text();
  const stored = tagsOf(exported);
  expect([...acknowledged].filter((tag) => !stored.has(tag))).toEqual([]);
  const expected = viewsOf(exported);
  const listed = (await (await fetch(`${base}/sessions?limit=1000`)).json()) as {
    sessions: SessionView[];
  };
  expect(listed.sessions).toEqual(JSON.parse(JSON.stringify([...expected.values()])));
  for (const id of ['s0', 's7', 's19']) {
    const view = await (await fetch(`${base}/sessions/${id}`)).json();
    expect(view).toEqual(JSON.parse(JSON.stringify(expected.get(id))));
  }
  return exported;
}

/** Quantiles of a list of figures (for the figures the suite prints). */
export function summary(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return `n=${sorted.length} median=${at(0.5).toFixed(0)} ms p99=${at(0.99).toFixed(0)} ms max=${(sorted.at(-1) as number).toFixed(0)} ms`;
}

/** Print a figure the suite measured (docs/reliability.md quotes them). */
export function report(line: string): void {
  process.stdout.write(`[faults] ${line}\n`);
}
