/**
 * The webhook service as one web-standard function, `(Request) => Promise<Response>`, to mount
 * in any framework or runtime, under any base path. This file routes: it authenticates and sends
 * each request to the receiving half (`receive.ts`) or the reading half (`read.ts`), which share
 * one store and one fold/view service (`../store/views.ts`). Every status, decision and anomaly
 * is the core's. It never throws: a failure of the store is a 503 (retry later), anything
 * unforeseen a 500, both logged.
 */
import { setMaxListeners } from 'node:events';
import type { RebuildProgress } from '../store/rebuild.js';
import { rebuildViews } from '../store/rebuild.js';
import type { Store } from '../store/types.js';
import { createViewKeeper } from '../store/views.js';
import type { FlowConfig } from '../types.js';
import { isWebhookKind } from '../vendor/kinds.js';
import { isLoopback } from './address.js';
import { json, problem, RETRY_AFTER_SECONDS, storeUnavailable } from './answers.js';
import { Authenticator, type AuthOptions } from './auth.js';
import { dashboardResponse } from './dashboard/index.js';
import { ChangeSignal } from './events.js';
import { ServiceMetrics } from './metrics.js';
import type { ServiceParts } from './parts.js';
import { createReader } from './read.js';
import { Incomplete, readBody, receiveDelivery, TooLarge } from './receive.js';
import { StoreUnavailable, watchStore } from './store-health.js';

/** Options of the webhook handler. */
export interface WebhookHandlerOptions {
  /** Where delivery records and session views are kept. */
  readonly store: Store;
  /**
   * How deliveries and reads are authenticated. Without credentials or an address allowlist,
   * deliveries are accepted from loopback clients only (as `serve` listens on 127.0.0.1 only).
   */
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
  /** How often event streams look for changes another instance wrote. @defaultValue 1000 */
  readonly pollMillis?: number;
  /**
   * The path the service is mounted under, e.g. `/onboarding`: its routes are then
   * `/onboarding/webhooks/{kind}`, `/onboarding/sessions`, … and anything else is 404.
   * @defaultValue '' (the root)
   */
  readonly basePath?: string;
  /**
   * Rebuild, in the background, views written by another version of the core (or a store written
   * before views were kept), logging progress; reads fold such sessions from their records
   * meanwhile. @defaultValue true
   */
  readonly rebuild?: boolean;
}

/** What the server knows of a request beyond the web-standard `Request`. */
export interface RequestInfo {
  /** The peer's IP address (the proxy's, behind one). */
  readonly remoteAddress?: string;
}

/** The handler: a web-standard request handler, plus `close()` to end open event streams. */
export interface WebhookHandler {
  (request: Request, info?: RequestInfo): Promise<Response>;
  /** End open event streams and stop a rebuild under way (before closing the store). */
  close(): void;
  /** The metrics it counts into. */
  readonly metrics: ServiceMetrics;
  /** Whether deliveries are authenticated (by credentials or address). */
  readonly authenticated: boolean;
  /** Settles when views are current: at once, or when the rebuild begun at start ends. */
  readonly rebuilt: Promise<RebuildProgress | undefined>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const TOKEN_FORM_BYTES = 8192;
/** How long `/healthz` waits for the store. */
const HEALTH_DEADLINE_MILLIS = 1000;

/**
 * A base path as routes compare it: `''` or `/a/b` (a leading slash, none at the end). A path
 * without its leading slash, or with a query, a fragment or white space, is a `TypeError`.
 */
export function normalizeBase(base: string | undefined): string {
  const trimmed = (base ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!trimmed.startsWith('/') || /[?#\s]/.test(trimmed)) {
    throw new TypeError(`basePath must be a path such as "/onboarding", got ${JSON.stringify(base)}`);
  }
  return trimmed;
}

/**
 * Create the webhook service's request handler: `POST /webhooks/{kind}` (answered `204` only
 * once the store committed the delivery), `POST /oauth/token` (with OAuth2 clients configured),
 * `GET /sessions[/{id}[/records|/machines]]`, `GET /records`, `GET /events`, `GET /metrics`,
 * `GET /healthz`, and the dashboard at `GET /`. See docs/service.md.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const base = normalizeBase(options.basePath);
  const now = options.now ?? Date.now;
  const auth = new Authenticator(options.auth, now);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const closing = new AbortController();
  // Every open event stream listens for the service closing: thousands of readers are expected.
  setMaxListeners(0, closing.signal);
  const views = createViewKeeper({ flow: options.flow });
  const parts: ServiceParts = {
    store: watchStore(options.store),
    views,
    flow: options.flow,
    metrics: options.metrics ?? new ServiceMetrics(),
    changes: new ChangeSignal(),
    now,
    log: options.log ?? (() => undefined),
    rebuild: { complete: false, running: false },
  };
  const { store, metrics, log } = parts;
  const reader = createReader(parts);
  const rebuilt = startRebuild(parts, options.rebuild ?? true, closing.signal);

  const route = async (request: Request, url: URL, info: RequestInfo): Promise<Response> => {
    if (base !== '' && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) {
      return problem(404, 'not-found', `no such resource: ${url.pathname} (the service is under ${base}/)`);
    }
    if (url.pathname === base && base !== '') {
      // The dashboard reads relative to its own address: it is served at the base path's slash.
      return new Response(null, { status: 308, headers: { location: `${base}/${url.search}` } });
    }
    let path: string[];
    try {
      path = url.pathname.slice(base.length).split('/').slice(1).map(decodeURIComponent);
    } catch {
      return problem(400, 'bad-path', 'the path is not valid percent-encoding');
    }
    const client = auth.client(request, info.remoteAddress);
    const method = request.method;
    const only = (allowed: string) =>
      problem(405, 'method-not-allowed', `${url.pathname} answers ${allowed} only`, { allow: allowed });
    if (path[0] === 'webhooks' && path.length === 2) {
      if (method !== 'POST') return only('POST');
      const kind = path[1] as string;
      const label = isWebhookKind(kind) ? kind : '(unknown)';
      if (!auth.configured && !isLoopback(client)) {
        metrics.delivery(label, 'unauthorized');
        return problem(
          401,
          'unauthorized',
          'no authentication is configured, so deliveries are accepted from this machine only: configure headers, OAuth2 clients or an address allowlist',
        );
      }
      const checked = auth.checkDelivery(request, client);
      if (!checked.ok) {
        metrics.delivery(label, 'unauthorized');
        return problem(401, 'unauthorized', checked.reason, auth.issuesTokens ? { 'www-authenticate': 'Bearer' } : {});
      }
      return await receiveDelivery(parts, kind, request, checked, maxBody);
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
      const rebuild = parts.rebuild;
      const viewState = rebuild.complete
        ? { views: 'current' }
        : {
            views: rebuild.running ? 'rebuilding' : 'stale',
            ...(rebuild.progress ? { rebuild: rebuild.progress } : {}),
          };
      return state.up
        ? json(200, { ok: true, store: 'up', ...viewState })
        : json(503, { ok: false, store: 'down', message: state.error }, { 'retry-after': RETRY_AFTER_SECONDS });
    }
    if (path.length === 1 && path[0] === 'metrics') {
      if (method !== 'GET') return only('GET');
      metrics.storeUp(store.state.up);
      metrics.views(parts.rebuild);
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
      if (path[0] === 'sessions') return await reader.sessions(url, path);
      if (path.length === 1 && path[0] === 'records') return await reader.records(url);
      if (path.length === 1 && path[0] === 'events')
        return reader.events(request, url, closing.signal, options.pollMillis);
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
      if (error instanceof StoreUnavailable) return storeUnavailable('the store is not answering; retry later');
      return problem(500, 'internal', 'the request failed; see the service log');
    }
  };

  return Object.assign(handle, {
    close: () => closing.abort(),
    metrics,
    authenticated: auth.configured,
    rebuilt,
  });
}

/**
 * Look whether the store's views are current; if not (and `enabled`), rebuild them in the
 * background, logging progress now and then. Never rejects: a failed rebuild is logged, and
 * reads keep folding stale sessions from their records.
 */
async function startRebuild(
  parts: ServiceParts,
  enabled: boolean,
  signal: AbortSignal,
): Promise<RebuildProgress | undefined> {
  const { store, views, log, rebuild } = parts;
  try {
    if ((await store.viewsVersion()) === views.version) {
      rebuild.complete = true;
      return undefined;
    }
    if (!enabled) return undefined;
    rebuild.running = true;
    log('the stored session views are of another version (or none were kept): rebuilding them from the records');
    let told = performance.now();
    const result = await rebuildViews(store, {
      version: views.version,
      signal,
      onProgress: (progress) => {
        rebuild.progress = progress;
        if (performance.now() - told >= 5000) {
          told = performance.now();
          log(`rebuilding views: ${progress.done} of ${progress.total} sessions`);
        }
      },
    });
    rebuild.complete = result.complete;
    rebuild.progress = result;
    if (result.complete) {
      log(`views rebuilt: ${result.rebuilt} of ${result.total} sessions in ${(result.millis / 1000).toFixed(1)} s`);
    }
    return result;
  } catch (error) {
    log(
      `rebuilding views failed (reads fold those sessions from their records): ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  } finally {
    rebuild.running = false;
  }
}
