/**
 * The webhook service as one web-standard function, `(Request) => Promise<Response>`, to mount
 * in any framework or runtime. A thin face over the core: it authenticates, stores delivery
 * records durably, their bodies exactly as they arrived, and folds stored records with the
 * `Ledger` to answer; every status, decision and anomaly is the core's. It never throws: a
 * failure of the store is a 503 (retry later), anything unforeseen a 500, both logged.
 */
import { setMaxListeners } from 'node:events';
import { Ledger } from '../core/ledger.js';
import { parseRecord } from '../records/parse.js';
import type { RawDeliveryRecord as DeliveryRecord } from '../records/record.js';
import { type Envelope, recordLine, recordText } from '../store/record.js';
import type { AppendOutcome, Store, StoredRecord } from '../store/types.js';
import type { Decision, Finding, FlowConfig, SessionView } from '../types.js';
import { isWebhookKind } from '../vendor/kinds.js';
import { isOnboardingStatus } from '../vendor/statuses.js';
import { Authenticator, type AuthOptions } from './auth.js';
import { dashboardResponse, traceSession } from './dashboard/index.js';
import { ChangeSignal, EVENT_PAGE, eventStream, sharedReads } from './events.js';
import { ServiceMetrics } from './metrics.js';
import { StoreUnavailable, watchStore } from './store-health.js';

/** Options of the webhook handler. */
export interface WebhookHandlerOptions {
  /** Where delivery records are kept. */
  readonly store: Store;
  /** How deliveries and reads are authenticated; without it, every delivery is accepted. */
  readonly auth?: AuthOptions;
  /** The flow configuration that narrows what `ONBOARDING_FINISHED` makes fetchable. */
  readonly flow?: FlowConfig;
  /** The largest body accepted, in bytes; a larger one gets `413`. @defaultValue 1 MiB */
  readonly maxBodyBytes?: number;
  /** Metrics to count into (share them with the store's commit callback). */
  readonly metrics?: ServiceMetrics;
  /** The clock, in milliseconds since the epoch. @defaultValue Date.now */
  readonly now?: () => number;
  /** Where operational messages go (never bodies: they carry personal data). */
  readonly log?: (message: string) => void;
  /** How often event streams look for records another instance wrote. @defaultValue 1000 */
  readonly pollMillis?: number;
}

/** What the server knows of a request beyond the web-standard `Request`. */
export interface RequestInfo {
  /** The peer's IP address (the proxy's, behind one). */
  readonly remoteAddress?: string;
}

/** The handler: a web-standard request handler, plus `close()` to end open event streams. */
export interface WebhookHandler {
  (request: Request, info?: RequestInfo): Promise<Response>;
  /** End open event streams (before closing the store). */
  close(): void;
  /** The metrics it counts into. */
  readonly metrics: ServiceMetrics;
  /** Whether deliveries are authenticated (by credentials or address). */
  readonly authenticated: boolean;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const TOKEN_FORM_BYTES = 8192;
const DECISIONS: readonly Decision[] = ['none', 'pending-review', 'approved', 'rejected', 'conflict'];
const PAGE = 1000;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

const problem = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { error, message }, headers);

class TooLarge extends Error {}
/** The body stopped before its end: the client went away, or sent a broken chunk. */
class Incomplete extends Error {}

/** Read a body once, refusing it as soon as it passes the limit. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw new TooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new Incomplete();
    });
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** How long `/healthz` waits for the store, and `/metrics` for the anomaly counts under way. */
const HEALTH_DEADLINE_MILLIS = 1000;
/** Seconds a client is asked to wait before retrying a 503. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Records as JSON Lines, as `onboarding-status replay` reads them: each record's stored text,
 * never re-serialized. `first` is read before answering (a store that is down gets a 503, not a
 * 200 that stops); a page that fails later errors the body, and the server aborts the
 * connection, so a client cannot take a cut export for a complete one.
 */
function jsonLines(first: readonly StoredRecord[], rest: () => AsyncGenerator<StoredRecord[]>): Response {
  const encoder = new TextEncoder();
  const lines = (page: readonly StoredRecord[]) =>
    encoder.encode(page.map((stored) => `${recordLine(stored.text)}\n`).join(''));
  let source: AsyncGenerator<StoredRecord[]> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.length > 0) controller.enqueue(lines(first));
    },
    async pull(controller) {
      source ??= rest();
      const { done, value } = await source.next();
      if (done) controller.close();
      else controller.enqueue(lines(value));
    },
    async cancel() {
      await source?.return(undefined);
    },
  });
  return new Response(body, { headers: { 'content-type': 'application/jsonl; charset=utf-8' } });
}

/** Where a record belongs, as the core reads it. */
interface Routing {
  readonly interviewId: string | undefined;
  readonly correlation: readonly string[];
  /** What was odd about the record itself (for /metrics). */
  readonly anomalies: readonly Finding[];
  /** It names no session but carries ids that may tie it to one later. */
  readonly waiting: boolean;
  /** When it was received and its delivery key, as the core reads them (for correlation). */
  readonly at?: number;
  readonly key?: number;
}

/**
 * Ask the core where a record belongs. The core does not throw on any JSON; should it anyway,
 * the delivery is still stored (belonging to no session until a newer core reads it) and
 * acknowledged, rather than refused: a refusal would be retried by the vendor and fail the same.
 */
function routeOf(record: DeliveryRecord, log: (message: string) => void): Routing {
  try {
    const parsed = parseRecord(record);
    const correlation = parsed.refused ? [] : parsed.correlation;
    return {
      interviewId: parsed.sessionId,
      correlation,
      anomalies: parsed.findings,
      waiting: parsed.sessionId === undefined && correlation.length > 0,
      ...(parsed.at === undefined ? {} : { at: parsed.at, key: parsed.key }),
    };
  } catch (error) {
    log(`the core could not read a ${record.kind} delivery (stored all the same): ${String(error)}`);
    return { interviewId: undefined, correlation: [], anomalies: [], waiting: false };
  }
}

interface Fold {
  readonly ledger: Ledger;
  /** The positions applied, in order. */
  readonly seqs: number[];
}

/**
 * Folds of recently counted sessions, so counting a delivery's anomalies applies only the
 * records new since the last count. A fold is reused only when the records it applied are
 * exactly the first ones the store now lists; else (a record tied to the session later, say)
 * it is folded again from the start.
 */
class FoldCache {
  readonly #folds = new Map<string, Fold>();
  readonly #flow: FlowConfig | undefined;
  readonly #max: number;

  constructor(flow: FlowConfig | undefined, max = 1000) {
    this.#flow = flow;
    this.#max = max;
  }

  /** A session's fold through `records` (store order), most recently used last. */
  resume(interviewId: string, records: readonly StoredRecord[]): Fold {
    let fold = this.#folds.get(interviewId);
    this.#folds.delete(interviewId);
    if (
      fold === undefined ||
      fold.seqs.length > records.length ||
      !fold.seqs.every((seq, i) => records[i]?.seq === seq)
    ) {
      fold = { ledger: new Ledger({ flow: this.#flow }), seqs: [] };
    }
    for (const stored of records.slice(fold.seqs.length)) this.apply(fold, stored);
    this.#folds.set(interviewId, fold);
    if (this.#folds.size > this.#max) this.#folds.delete(this.#folds.keys().next().value as string);
    return fold;
  }

  /** Apply one more record to a fold. */
  apply(fold: Fold, stored: StoredRecord): void {
    fold.ledger.addRaw(stored.record);
    fold.seqs.push(stored.seq);
  }
}

/**
 * Create the webhook service's request handler: `POST /webhooks/{kind}` (answered `204` only
 * once the store committed the delivery), `POST /oauth/token` (with OAuth2 clients configured),
 * `GET /sessions[/{id}[/records]]`, `GET /records`, `GET /events`, `GET /metrics`, `GET /healthz`,
 * and the dashboard: `GET /` and `GET /sessions/{id}/machines`. See docs/service.md.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const { flow } = options;
  const store = watchStore(options.store);
  const now = options.now ?? Date.now;
  const auth = new Authenticator(options.auth, now);
  const metrics = options.metrics ?? new ServiceMetrics();
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = options.log ?? (() => undefined);
  const changes = new ChangeSignal();
  const closing = new AbortController();
  // Every open event stream listens for the service closing: thousands of readers are expected.
  setMaxListeners(0, closing.signal);
  const folds = new FoldCache(flow);
  let counting: Promise<void> = Promise.resolve();

  /** A session's view: its stored records folded by the core. */
  const viewOf = async (interviewId: string): Promise<SessionView | undefined> => {
    const ledger = new Ledger({ flow });
    for (const stored of await store.sessionRecords(interviewId)) ledger.addRaw(stored.record);
    return ledger.view(interviewId);
  };
  /** What event streams read, shared: one store read and one fold per change, however many streams. */
  const shared = sharedReads(changes, (after) => store.recordsAfter(after, EVENT_PAGE), viewOf);

  /**
   * Count the anomalies a stored delivery brought, as the core reports them: the difference in
   * its session's view before and after it (records stored later are not applied). A delivery
   * of no named session counts what was odd about the record itself.
   */
  const countAnomalies = async (
    own: readonly Finding[],
    interviewId: string | undefined,
    waiting: boolean,
    seq: number,
  ): Promise<void> => {
    if (interviewId === undefined) {
      for (const found of own) metrics.anomaly(found.code);
      if (!waiting) metrics.anomaly('uncorrelated');
      return;
    }
    const records = await store.sessionRecords(interviewId);
    // From here on nothing awaits, so no other count touches this session's fold meanwhile.
    const fold = folds.resume(
      interviewId,
      records.filter((stored) => stored.seq < seq),
    );
    const tally = () => {
      const counts = new Map<string, number>();
      for (const found of fold.ledger.view(interviewId)?.anomalies ?? []) {
        counts.set(found.code, (counts.get(found.code) ?? 0) + 1);
      }
      return counts;
    };
    const earlier = tally();
    const mine = records.find((stored) => stored.seq === seq);
    if (mine !== undefined) folds.apply(fold, mine);
    for (const [code, count] of tally()) {
      const added = count - (earlier.get(code) ?? 0);
      if (added > 0) metrics.anomaly(code, added);
    }
  };

  const receive = async (kind: string, request: Request, client: string | undefined): Promise<Response> => {
    const started = performance.now();
    const checked = auth.checkDelivery(request, client);
    if (!checked.ok) {
      metrics.delivery(isWebhookKind(kind) ? kind : '(unknown)', 'unauthorized');
      return problem(401, 'unauthorized', checked.reason, auth.issuesTokens ? { 'www-authenticate': 'Bearer' } : {});
    }
    if (!isWebhookKind(kind)) {
      // Counted under one label: a kind in a URL is the caller's text, and labels must stay few.
      metrics.delivery('(unknown)', 'unknown-kind');
      return problem(404, 'unknown-kind', `"${kind}" is not a webhook kind this service receives`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readBody(request, maxBody);
    } catch (error) {
      if (error instanceof Incomplete) {
        metrics.delivery(kind, 'incomplete');
        return problem(400, 'incomplete', 'the body did not arrive whole; nothing was stored');
      }
      if (!(error instanceof TooLarge)) throw error;
      metrics.delivery(kind, 'too-large');
      return problem(413, 'too-large', `the body is larger than ${maxBody} bytes`);
    }
    // The body is kept as the text that arrived; parsing only checks that it is JSON (and gives
    // the core a value to read). JSON.parse reads any depth of nesting and any number.
    let text: string;
    let body: unknown;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      metrics.delivery(kind, 'not-json');
      return problem(400, 'not-json', `the body is not UTF-8 text; every ${kind} webhook carries a JSON object`);
    }
    try {
      body = JSON.parse(text);
    } catch (error) {
      metrics.delivery(kind, 'not-json');
      return problem(
        400,
        'not-json',
        `the body is not JSON (${(error as Error).message}); every ${kind} webhook carries a JSON object`,
      );
    }
    const envelope: Envelope = {
      kind,
      receivedAt: new Date(now()).toISOString(),
      ...(Object.keys(checked.seen).length > 0 ? { headers: checked.seen } : {}),
    };
    // The core reads the record only to say where it belongs; it is stored as it arrived.
    const routing = routeOf({ ...envelope, body }, log);
    let outcome: AppendOutcome | undefined;
    try {
      [outcome] = await store.append([
        {
          text: recordText(envelope, text),
          interviewId: routing.interviewId,
          correlation: routing.correlation,
          ...(routing.at === undefined ? {} : { at: routing.at, key: routing.key }),
        },
      ]);
    } catch (error) {
      metrics.delivery(kind, 'store-failed');
      log(`store append failed for a ${kind} delivery: ${error instanceof Error ? error.message : String(error)}`);
      return problem(503, 'store-unavailable', 'the delivery could not be stored; retry later', {
        'retry-after': RETRY_AFTER_SECONDS,
      });
    }
    metrics.acknowledged((performance.now() - started) / 1000);
    const invalid = routing.anomalies.some((found) => found.code === 'invalid-payload');
    metrics.delivery(kind, invalid ? 'stored-invalid' : 'stored');
    changes.notify();
    if (outcome?.inserted) {
      const { seq } = outcome;
      const counted = async () => {
        // A delivery that names no session may belong to one through a correlation id: the store knows.
        const interviewId =
          routing.interviewId ??
          (routing.waiting
            ? (await store.recordsAfter(seq - 1, 1)).find((s) => s.seq === seq)?.interviewId
            : undefined);
        await countAnomalies(routing.anomalies, interviewId, routing.waiting, seq);
      };
      // The delivery is durable: answer now. Counting its anomalies for /metrics reads the session
      // back, so it runs after the answer, one count at a time (each sees the counts before it);
      // /metrics waits a moment for the counts under way. A failed count must not turn the 204 into an error.
      counting = counting
        .then(counted)
        .catch((error: unknown) =>
          log(`counting anomalies failed: ${error instanceof Error ? error.message : String(error)}`),
        );
    }
    return new Response(null, { status: 204 });
  };

  const listSessions = async (url: URL): Promise<Response> => {
    const params = url.searchParams;
    const limit = Number(params.get('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return problem(400, 'bad-query', 'limit must be an integer from 1 to 1000');
    }
    const status = params.get('status');
    if (status !== null && !isOnboardingStatus(status)) {
      return problem(400, 'bad-query', `status "${status}" is not an onboarding status`);
    }
    const decision = params.get('decision');
    if (decision !== null && !DECISIONS.includes(decision as Decision)) {
      return problem(400, 'bad-query', `decision must be one of ${DECISIONS.join(', ')}`);
    }
    const anomalous = params.get('anomalies');
    if (anomalous !== null && anomalous !== 'true' && anomalous !== 'false') {
      return problem(400, 'bad-query', 'anomalies must be true or false');
    }
    const sessions: SessionView[] = [];
    let after = params.get('after') ?? undefined;
    let next: string | null = null;
    // Pages of ids in order; `next` is set only when an id beyond the last one scanned exists.
    scan: for (;;) {
      const ids = await store.sessionIds(after, limit);
      for (const id of ids) {
        if (sessions.length === limit) {
          next = after ?? null;
          break scan;
        }
        after = id;
        const view = await viewOf(id);
        if (view === undefined) continue;
        if (status !== null && view.status !== status) continue;
        if (decision !== null && view.decision !== decision) continue;
        if (anomalous !== null && view.anomalies.length > 0 !== (anomalous === 'true')) continue;
        sessions.push(view);
      }
      if (ids.length < limit) break;
    }
    return json(200, { sessions, next });
  };

  const read = async (request: Request, url: URL, path: string[]): Promise<Response> => {
    const [root, id, sub, extra] = path;
    if (root === 'sessions' && id === undefined) return listSessions(url);
    if (root === 'sessions' && id !== undefined && extra === undefined) {
      if (sub === undefined) {
        const view = await viewOf(id);
        return view === undefined
          ? problem(404, 'unknown-session', `no delivery names session "${id}"`)
          : json(200, view);
      }
      if (sub === 'records') {
        const records = await store.sessionRecords(id);
        if (records.length === 0) return problem(404, 'unknown-session', `no delivery names session "${id}"`);
        return jsonLines(records, async function* () {});
      }
      if (sub === 'machines') {
        const trace = traceSession(id, await store.sessionRecords(id), flow);
        return trace === undefined
          ? problem(404, 'unknown-session', `no delivery names session "${id}"`)
          : json(200, trace);
      }
    }
    if (root === 'records' && id === undefined) {
      const start = Number(url.searchParams.get('after') ?? 0);
      if (!Number.isInteger(start) || start < 0) return problem(400, 'bad-query', 'after must be a store position');
      const first = await store.recordsAfter(start, PAGE);
      return jsonLines(first, async function* () {
        let seq = first.at(-1)?.seq;
        while (seq !== undefined) {
          const page = await store.recordsAfter(seq, PAGE);
          if (page.length > 0) yield page;
          seq = page.at(-1)?.seq;
        }
      });
    }
    if (root === 'events' && id === undefined) {
      const resume = request.headers.get('last-event-id') ?? url.searchParams.get('after') ?? '0';
      const after = Number(resume);
      if (!Number.isInteger(after) || after < 0) return problem(400, 'bad-query', 'Last-Event-ID must be an event id');
      metrics.stream(1);
      // Ends when the client leaves or the service closes (AbortSignal.any needs Node 20.3).
      const ended = new AbortController();
      const end = () => ended.abort();
      if (closing.signal.aborted || request.signal.aborted) end();
      closing.signal.addEventListener('abort', end, { once: true });
      request.signal.addEventListener('abort', end, { once: true });
      ended.signal.addEventListener('abort', () => closing.signal.removeEventListener('abort', end), { once: true });
      const abort = ended.signal;
      const body = eventStream({
        ...shared,
        signal: changes,
        after,
        abort,
        pollMillis: options.pollMillis,
        onClose: () => metrics.stream(-1),
      });
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      });
    }
    return problem(404, 'not-found', `no such resource: ${url.pathname}`);
  };

  const route = async (request: Request, url: URL, info: RequestInfo): Promise<Response> => {
    let path: string[];
    try {
      path = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return problem(400, 'bad-path', 'the path is not valid percent-encoding');
    }
    const client = auth.client(request, info.remoteAddress);
    const method = request.method;
    const only = (allowed: string) =>
      problem(405, 'method-not-allowed', `${url.pathname} answers ${allowed} only`, { allow: allowed });
    if (path[0] === 'webhooks' && path.length === 2) {
      return method === 'POST' ? await receive(path[1] as string, request, client) : only('POST');
    }
    if (path[0] === 'oauth' && path[1] === 'token' && path.length === 2 && auth.issuesTokens) {
      if (method !== 'POST') return only('POST');
      const form = await readBody(request, TOKEN_FORM_BYTES).catch((error: unknown) => {
        if (error instanceof TooLarge || error instanceof Incomplete) return error;
        throw error;
      });
      if (form instanceof Incomplete) return problem(400, 'incomplete', 'the form did not arrive whole');
      if (form instanceof TooLarge)
        return problem(413, 'too-large', `the form is larger than ${TOKEN_FORM_BYTES} bytes`);
      return auth.issueToken(request, new TextDecoder().decode(form), client);
    }
    if (path.length === 1 && path[0] === '') {
      if (method !== 'GET') return only('GET');
      if (!auth.checkRead(request, client)) {
        return problem(401, 'unauthorized', 'the dashboard needs the read headers (or a loopback client)');
      }
      return dashboardResponse();
    }
    if (path.length === 1 && path[0] === 'healthz') {
      if (method !== 'GET') return only('GET');
      // Answers whatever the store does: within the deadline, up or down.
      const state = await store.probe(HEALTH_DEADLINE_MILLIS);
      return state.up
        ? json(200, { ok: true, store: 'up' })
        : json(503, { ok: false, store: 'down', message: state.error }, { 'retry-after': RETRY_AFTER_SECONDS });
    }
    if (path.length === 1 && path[0] === 'metrics') {
      if (method !== 'GET') return only('GET');
      // The counts under way are waited for a moment, never for a store that does not answer.
      await Promise.race([counting, new Promise((resolve) => setTimeout(resolve, HEALTH_DEADLINE_MILLIS).unref())]);
      metrics.storeUp(store.state.up);
      return new Response(metrics.render(), {
        headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      });
    }
    if (path[0] === 'sessions' || path[0] === 'records' || path[0] === 'events') {
      if (method !== 'GET') return only('GET');
      if (path.at(-1) === '' && path.length > 1) path.pop();
      if (!auth.checkRead(request, client)) {
        return problem(401, 'unauthorized', 'reading sessions needs the read headers (or a loopback client)');
      }
      return await read(request, url, path);
    }
    return problem(404, 'not-found', `no such resource: ${url.pathname}`);
  };

  /** Every request gets an answer: 503 when the store failed, 500 (logged) for anything else. */
  const handle = async (request: Request, info: RequestInfo = {}): Promise<Response> => {
    let url: URL | undefined;
    try {
      url = new URL(request.url);
      return await route(request, url, info);
    } catch (error) {
      const where = `${request.method} ${url?.pathname ?? '(a request)'}`;
      log(`${where} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof StoreUnavailable) {
        return problem(503, 'store-unavailable', 'the store is not answering; retry later', {
          'retry-after': RETRY_AFTER_SECONDS,
        });
      }
      return problem(500, 'internal', 'the request failed; see the service log');
    }
  };

  return Object.assign(handle, {
    close: () => closing.abort(),
    metrics,
    authenticated: auth.configured,
  });
}
