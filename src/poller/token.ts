/**
 * The vendor's executive token (24 h, reads any session), sent as
 * `X-Incode-Hardware-Id`: taken as given, or obtained through a login and refreshed before it
 * expires or when the vendor refuses it.
 */
import { API_KEY_HEADER, API_VERSION_HEADER } from '../vendor/polling.js';

/** A token and when it stops being valid (ms since the epoch). */
export interface ExecutiveToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Where the token comes from: a fixed string, or a login called when one is needed. */
export type TokenSource = string | { readonly login: () => Promise<ExecutiveToken> };

/** The executive token's lifetime, when a login does not say. */
export const EXECUTIVE_TOKEN_MILLIS = 24 * 3_600_000;

/** Hands out a valid token; logs in again before expiry (a margin) or after a refusal. */
export class TokenKeeper {
  readonly #source: TokenSource;
  readonly #now: () => number;
  readonly #marginMillis: number;
  #current: ExecutiveToken | undefined;
  #pending: Promise<ExecutiveToken> | undefined;

  constructor(source: TokenSource, now: () => number, marginMillis = 5 * 60_000) {
    this.#source = source;
    this.#now = now;
    this.#marginMillis = marginMillis;
  }

  /** A token valid now; concurrent callers share one login. */
  async get(): Promise<string> {
    if (typeof this.#source === 'string') return this.#source;
    const current = this.#current;
    if (current !== undefined && current.expiresAt - this.#marginMillis > this.#now()) return current.token;
    const login = this.#source.login;
    this.#pending ??= login().finally(() => {
      this.#pending = undefined;
    });
    this.#current = await this.#pending;
    return this.#current.token;
  }

  /** The vendor refused the token (401): the next `get()` logs in again. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }
}

/**
 * A login through a URL: `POST {url}` with a JSON body of credentials, answered by a JSON object
 * with the token in `token` (and optionally `expiresAt`, ISO or ms, or `expiresIn`, seconds).
 */
export function loginAt(
  url: string,
  credentials: Readonly<Record<string, string>>,
  apiKey: string,
  options: { readonly fetch?: typeof fetch; readonly now?: () => number } = {},
): () => Promise<ExecutiveToken> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  return async () => {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...API_VERSION_HEADER, [API_KEY_HEADER]: apiKey },
      body: JSON.stringify(credentials),
    });
    if (!response.ok) throw new Error(`login at ${url} answered ${response.status}`);
    const body = (await response.json()) as { token?: unknown; expiresAt?: unknown; expiresIn?: unknown };
    if (typeof body.token !== 'string' || body.token === '') throw new Error(`login at ${url} gave no token`);
    let expiresAt = now() + EXECUTIVE_TOKEN_MILLIS;
    if (typeof body.expiresIn === 'number') expiresAt = now() + body.expiresIn * 1000;
    else if (typeof body.expiresAt === 'number') expiresAt = body.expiresAt;
    else if (typeof body.expiresAt === 'string' && !Number.isNaN(Date.parse(body.expiresAt)))
      expiresAt = Date.parse(body.expiresAt);
    return { token: body.token, expiresAt };
  };
}
