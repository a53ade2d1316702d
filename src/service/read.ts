/**
 * Reading: session views by index from the store's materialized views (one, a filtered page, or
 * a change feed), a session's records and machine trace, and the export of every record. A view
 * is the core's replay of the session's stored state; a view not yet rebuilt to this version of
 * the core is folded from the session's records instead, so every answer is a replay's.
 */
import { DECISIONS } from '../core/view.js';
import { parseTime, TIME_FORMAT } from '../records/time.js';
import { recordLine } from '../store/record.js';
import type { StoredRecord, ViewQuery, ViewRow } from '../store/types.js';
import type { Decision, SessionView } from '../types.js';
import { isOnboardingStatus } from '../vendor/statuses.js';
import { json, problem } from './answers.js';
import { traceSession } from './dashboard/index.js';
import { EVENT_PAGE, eventStream, FIRST_PAGE, type StreamReads, sharedReads } from './events.js';
import type { ServiceParts } from './parts.js';

/** Records an export reads at a time. */
const PAGE = 1000;

const unknownSession = (id: string) => problem(404, 'unknown-session', `no delivery names session "${id}"`);

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

/** The reads of one service. */
export interface Reader {
  /** `GET /sessions/{id}`, `/sessions/{id}/records`, `/sessions/{id}/machines`, `GET /sessions`. */
  sessions(url: URL, path: readonly string[]): Promise<Response>;
  /** `GET /records?after=`. */
  records(url: URL): Promise<Response>;
  /** `GET /events`. */
  events(request: Request, url: URL, closing: AbortSignal, pollMillis: number | undefined): Response;
}

/** A session's view: its stored row rendered, or (a row of another version) folded from its records. */
export async function sessionView(parts: ServiceParts, row: ViewRow): Promise<SessionView | undefined> {
  return (
    parts.views.render(row) ?? parts.views.viewOf(row.interviewId, await parts.store.sessionRecords(row.interviewId))
  );
}

/** The reads of a service, over its parts. */
export function createReader(parts: ServiceParts): Reader {
  const { store, views, metrics } = parts;

  /** Whether views are current: a rebuild here says so, one elsewhere is looked up now and then. */
  let lookedAt = Number.NEGATIVE_INFINITY;
  const viewsComplete = async (): Promise<boolean> => {
    const { rebuild } = parts;
    if (rebuild.complete || rebuild.running || performance.now() - lookedAt < 5000) return rebuild.complete;
    lookedAt = performance.now();
    rebuild.complete = (await store.viewsVersion()) === views.version;
    return rebuild.complete;
  };

  /** A session's view by id; while views are rebuilt, a session with no row yet is folded. */
  const viewById = async (id: string): Promise<SessionView | undefined> => {
    const row = await store.view(id);
    if (row !== undefined) return sessionView(parts, row);
    if (await viewsComplete()) return undefined;
    return views.viewOf(id, await store.sessionRecords(id));
  };

  const shared: StreamReads = sharedReads(
    parts.changes,
    (after) => store.viewChanges(after, after === undefined ? FIRST_PAGE : EVENT_PAGE),
    async (row) => {
      const view = await sessionView(parts, row);
      return view === undefined ? undefined : JSON.stringify(view);
    },
  );

  const list = async (url: URL): Promise<Response> => {
    const params = url.searchParams;
    const limit = Number(params.get('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return problem(400, 'bad-query', 'limit must be an integer from 1 to 1000');
    }
    const status = params.get('status') ?? undefined;
    if (status !== undefined && !isOnboardingStatus(status)) {
      return problem(400, 'bad-query', `status "${status}" is not an onboarding status`);
    }
    const decision = params.get('decision') ?? undefined;
    if (decision !== undefined && !DECISIONS.includes(decision as Decision)) {
      return problem(400, 'bad-query', `decision must be one of ${DECISIONS.join(', ')}`);
    }
    const anomalous = params.get('anomalies');
    if (anomalous !== null && anomalous !== 'true' && anomalous !== 'false') {
      return problem(400, 'bad-query', 'anomalies must be true or false');
    }
    const order = params.get('order') ?? 'id';
    if (order !== 'id' && order !== 'recent') return problem(400, 'bad-query', 'order must be id or recent');
    const since = params.get('changedSince');
    // A time as the records write it, read as strictly (docs/spec.md, times).
    const changedSince = since === null ? undefined : parseTime(since);
    if (since !== null && changedSince === undefined) {
      return problem(400, 'bad-query', `changedSince must be ${TIME_FORMAT}`);
    }
    const after = params.get('after') ?? undefined;
    if (order === 'recent' && after !== undefined && !/^\d+$/.test(after)) {
      return problem(400, 'bad-query', 'after must be the next value of the previous page (a store position)');
    }
    const query: ViewQuery = {
      order,
      limit: limit + 1,
      ...(status === undefined ? {} : { status }),
      ...(decision === undefined ? {} : { decision }),
      ...(anomalous === null ? {} : { anomalous: anomalous === 'true' }),
      ...(changedSince === undefined ? {} : { changedSince }),
      ...(params.get('prefix') ? { prefix: params.get('prefix') as string } : {}),
      ...(after === undefined ? {} : { after: order === 'recent' ? Number(after) : after }),
    };
    // The position first: a client following changes after it misses none made while the page is read.
    const { through: position } = await store.viewChanges(undefined, 1);
    const rows = await store.views(query);
    const page = rows.slice(0, limit);
    const sessions: SessionView[] = [];
    for (const row of page) {
      const view = await sessionView(parts, row);
      if (view !== undefined) sessions.push(view);
    }
    const last = page.at(-1);
    const next =
      rows.length > limit && last !== undefined ? (order === 'id' ? last.interviewId : String(last.seq)) : null;
    return json(200, { sessions, next, position });
  };

  return {
    async sessions(url, path) {
      const [, id, sub, extra] = path;
      if (id === undefined) return list(url);
      if (extra !== undefined) return problem(404, 'not-found', `no such resource: ${url.pathname}`);
      if (sub === undefined) {
        const view = await viewById(id);
        return view === undefined ? unknownSession(id) : json(200, view);
      }
      if (sub === 'records') {
        const records = await store.sessionRecords(id);
        if (records.length === 0) return unknownSession(id);
        return jsonLines(records, async function* () {});
      }
      if (sub === 'machines') {
        const trace = traceSession(id, await store.sessionRecords(id), parts.flow);
        return trace === undefined ? unknownSession(id) : json(200, trace);
      }
      return problem(404, 'not-found', `no such resource: ${url.pathname}`);
    },

    async records(url) {
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
    },

    events(request, url, closing, pollMillis) {
      const resume = request.headers.get('last-event-id') ?? url.searchParams.get('after');
      const after = resume === null ? undefined : Number(resume);
      if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
        return problem(400, 'bad-query', 'Last-Event-ID must be an event id');
      }
      metrics.stream(1);
      // Ends when the client leaves or the service closes (AbortSignal.any needs Node 20.3).
      const ended = new AbortController();
      const end = () => ended.abort();
      if (closing.aborted || request.signal.aborted) end();
      closing.addEventListener('abort', end, { once: true });
      request.signal.addEventListener('abort', end, { once: true });
      ended.signal.addEventListener('abort', () => closing.removeEventListener('abort', end), { once: true });
      const body = eventStream({
        ...shared,
        signal: parts.changes,
        after,
        abort: ended.signal,
        pollMillis,
        onClose: () => metrics.stream(-1),
      });
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      });
    },
  };
}
