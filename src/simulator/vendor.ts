/**
 * The fake vendor's API, as a web-standard handler: the vendor's status endpoint (with the
 * vendor's headers checked, realistic lag, and injected 5xx, 429 with `Retry-After`, and
 * timeouts) and an executive login. Sessions are read from their timelines and the clock.
 */
import type { OnboardingStatus } from '../vendor/statuses.js';
import type { Random } from './random.js';
import { type SimSession, statusAt } from './scenarios.js';

/** A fault the status endpoint can answer with. */
export type Fault =
  | { readonly kind: 'server-error'; readonly status?: number }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number }
  | { readonly kind: 'timeout' };

/** Options of the fake vendor API. */
export interface VendorApiOptions {
  /** The `x-api-key` it accepts. @defaultValue 'sim-api-key' */
  readonly apiKey?: string;
  /** The login credentials it accepts. @defaultValue sim@example.com / sim-password */
  readonly email?: string;
  readonly password?: string;
  /** Vendor seconds per real millisecond: 0.001 runs a 30 s delay in 30 ms. @defaultValue 1 */
  readonly timeScale?: number;
  /** How stale a status read is (vendor seconds): the replica lags the primary. @defaultValue 0.5 */
  readonly stalenessSeconds?: number;
  /** Each answer takes this long (real ms, drawn between the two; not time-scaled: it is the network). */
  readonly latencyMillis?: readonly [number, number];
  /** Random faults: probability of a 5xx, a 429 and a timeout per request. */
  readonly faults?: { readonly serverError: number; readonly rateLimited: number; readonly timeout: number };
  readonly random?: Random;
  readonly now?: () => number;
}

/** One request the status endpoint received. */
export interface StatusRequest {
  readonly interviewId: string;
  readonly at: number;
  /** What it answered: a status, or the HTTP status of a fault or refusal. */
  readonly answer: OnboardingStatus | number | 'timeout';
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The fake vendor's API. */
export class VendorApi {
  readonly #sessions = new Map<string, { session: SimSession; startAt: number }>();
  readonly #forced: Fault[] = [];
  readonly #tokens = new Set<string>();
  readonly #options: VendorApiOptions;
  readonly #now: () => number;
  /** Every status request, in order. */
  readonly requests: StatusRequest[] = [];
  #logins = 0;

  constructor(options: VendorApiOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Add a session whose timeline starts at `startAt` (real ms). */
  add(session: SimSession, startAt: number): void {
    this.#sessions.set(session.interviewId, { session, startAt });
  }

  /** Answer the next requests with these faults, in order, before any random one. */
  failNext(...faults: Fault[]): void {
    this.#forced.push(...faults);
  }

  /** Accept a token as if a login had issued it. */
  acceptToken(token: string): void {
    this.#tokens.add(token);
  }

  /** Refuse a token from now on (it expired). */
  expireToken(token: string): void {
    this.#tokens.delete(token);
  }

  /** How many logins succeeded. */
  get logins(): number {
    return this.#logins;
  }

  /** Status requests for one session. */
  requestsFor(interviewId: string): StatusRequest[] {
    return this.requests.filter((request) => request.interviewId === interviewId);
  }

  /** The status a session has now, as the primary knows it. */
  statusNow(interviewId: string, lagSeconds = 0): OnboardingStatus | undefined {
    const entry = this.#sessions.get(interviewId);
    if (entry === undefined) return undefined;
    const scale = this.#options.timeScale ?? 1;
    const seconds = (this.#now() - entry.startAt) / 1000 / scale - lagSeconds;
    return seconds < 0 ? undefined : statusAt(entry.session.events, seconds);
  }

  #fault(): Fault | undefined {
    const forced = this.#forced.shift();
    if (forced !== undefined) return forced;
    const faults = this.#options.faults;
    const random = this.#options.random;
    if (faults === undefined || random === undefined) return undefined;
    const draw = random.next();
    if (draw < faults.serverError) return { kind: 'server-error', status: random.pick([500, 502, 503]) };
    if (draw < faults.serverError + faults.rateLimited)
      return { kind: 'rate-limited', retryAfterSeconds: random.int(1, 5) };
    if (draw < faults.serverError + faults.rateLimited + faults.timeout) return { kind: 'timeout' };
    return undefined;
  }

  /** The handler: `GET /omni/get/onboarding/status?id=`, `POST /executive/log-in`. */
  readonly handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const error = (status: number, name: string, message: string, headers: Record<string, string> = {}) =>
      json(status, { timestamp: this.#now(), status, error: name, message, path: url.pathname }, headers);
    if (request.headers.get('x-api-key') !== (this.#options.apiKey ?? 'sim-api-key')) {
      return error(401, 'Unauthorized', 'missing or wrong x-api-key');
    }
    if (url.pathname === '/executive/log-in' && request.method === 'POST') {
      const body = (await request.json().catch(() => ({}))) as { email?: unknown; password?: unknown };
      if (
        body.email !== (this.#options.email ?? 'sim@example.com') ||
        body.password !== (this.#options.password ?? 'sim-password')
      ) {
        return error(401, 'Unauthorized', 'wrong email or password');
      }
      this.#logins++;
      const token = `exec-${this.#logins}-${Math.floor(this.#now())}`;
      this.#tokens.add(token);
      return json(200, { token, expiresIn: 24 * 3600 });
    }
    if (url.pathname !== '/omni/get/onboarding/status' || request.method !== 'GET') {
      return error(404, 'Not Found', `no such endpoint ${request.method} ${url.pathname}`);
    }
    const interviewId = url.searchParams.get('id') ?? '';
    const at = this.#now();
    const note = (answer: StatusRequest['answer']) => this.requests.push({ interviewId, at, answer });
    if (request.headers.get('api-version') !== '1.0') {
      note(400);
      return error(400, 'Bad Request', 'api-version 1.0 is required');
    }
    if (!this.#tokens.has(request.headers.get('x-incode-hardware-id') ?? '')) {
      note(401);
      return error(401, 'Unauthorized', 'the executive token is missing, wrong or expired');
    }
    const fault = this.#fault();
    if (fault?.kind === 'server-error') {
      note(fault.status ?? 500);
      return error(fault.status ?? 500, 'Internal Server Error', 'simulated failure');
    }
    if (fault?.kind === 'rate-limited') {
      note(429);
      // Scaled like every other vendor time: a fraction of a second when the run is sped up.
      const seconds = fault.retryAfterSeconds * (this.#options.timeScale ?? 1);
      return error(429, 'Too Many Requests', 'rate limit exceeded', { 'retry-after': String(seconds) });
    }
    if (fault?.kind === 'timeout') {
      note('timeout');
      // Never answers: the caller's timeout (its abort signal) ends the request.
      return new Promise<Response>((_, reject) => {
        const abort = () => reject(request.signal.reason ?? new DOMException('aborted', 'AbortError'));
        if (request.signal.aborted) abort();
        else request.signal.addEventListener('abort', abort, { once: true });
      });
    }
    const latency = this.#options.latencyMillis;
    if (latency !== undefined && this.#options.random !== undefined) {
      const millis = this.#options.random.between(latency[0], latency[1]);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, millis);
        request.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (request.signal.aborted) throw request.signal.reason ?? new DOMException('aborted', 'AbortError');
    }
    const status = this.statusNow(interviewId, this.#options.stalenessSeconds ?? 0.5);
    if (status === undefined) {
      note(404);
      return error(404, 'Not Found', `no session ${interviewId}`);
    }
    note(status);
    return json(200, { onboardingStatus: status });
  };

  /** A `fetch` that calls the handler in-process: no network. */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    this.handle(new Request(input, init));
}
