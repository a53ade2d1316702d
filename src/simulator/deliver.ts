/**
 * Webhook delivery with the vendor's behaviour: `POST {target}/webhooks/{kind}`, a
 * success only on `204` or `200` with JSON, otherwise retried, up to 5 attempts, first delay 30 s,
 * multiplier 2.5, all time-scaled. Authentication as the integrator configured it: an OAuth2
 * client-credentials token fetched from the target, or static headers.
 */

/** How the fake vendor authenticates its deliveries. */
export type DeliveryAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'headers'; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'oauth'; readonly clientId: string; readonly clientSecret: string; readonly tokenUrl?: string };

/**
 * The vendor's retry schedule, as it documents it: "up to 5 attempts, first delay 30 s, multiplier 2.5
 * (about 32 minutes in all)". Only five retries after the first delivery add up to 32 minutes
 * (30 + 75 + 187.5 + 468.75 + 1171.9 s); five deliveries in all would stop after 12.7. So:
 * one delivery and up to 5 retries.
 */
export const VENDOR_RETRY = { retries: 5, firstDelaySeconds: 30, multiplier: 2.5 } as const;

/** The delay before retry `n` (1 = the first retry), in vendor seconds. */
export const retryDelaySeconds = (n: number): number =>
  VENDOR_RETRY.firstDelaySeconds * VENDOR_RETRY.multiplier ** (n - 1);

/** What came of one attempt. */
export type AttemptResult = 'accepted' | 'rejected' | 'failed';

/** Whether the vendor counts an answer as a success. */
export function vendorAccepts(response: Response): boolean {
  if (response.status === 204) return true;
  return (
    response.status === 200 && /^application\/([\w.+-]*\+)?json\b/i.test(response.headers.get('content-type') ?? '')
  );
}

/** Sends deliveries to a target, with the configured authentication. */
export class Deliverer {
  readonly #target: string;
  readonly #auth: DeliveryAuth;
  readonly #fetch: typeof fetch;
  readonly #timeoutMillis: number;
  #token: { value: string; expiresAt: number } | undefined;
  #pendingToken: Promise<string> | undefined;
  /** Token requests made to the target. */
  tokenFetches = 0;

  constructor(target: string, auth: DeliveryAuth, options: { fetch?: typeof fetch; timeoutMillis?: number } = {}) {
    this.#target = target.replace(/\/+$/, '');
    this.#auth = auth;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMillis = options.timeoutMillis ?? 5_000;
  }

  async #bearer(): Promise<string> {
    const auth = this.#auth;
    if (auth.kind !== 'oauth') throw new Error('no OAuth2 client configured');
    if (this.#token !== undefined && this.#token.expiresAt > Date.now()) return this.#token.value;
    this.#pendingToken ??= (async () => {
      this.tokenFetches++;
      const response = await this.#fetch(auth.tokenUrl ?? `${this.#target}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(this.#timeoutMillis),
      });
      if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
      const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== 'string') throw new Error('token endpoint gave no access_token');
      const seconds = typeof body.expires_in === 'number' ? body.expires_in : 300;
      // Renew a little early, so a token never expires in flight.
      this.#token = { value: body.access_token, expiresAt: Date.now() + seconds * 900 };
      return body.access_token;
    })().finally(() => {
      this.#pendingToken = undefined;
    });
    return this.#pendingToken;
  }

  /** One attempt: `accepted` (204, or 200 JSON), `rejected` (any other answer), `failed` (no answer). */
  async attempt(kind: string, body: string): Promise<AttemptResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'onboarding-status-simulator',
    };
    try {
      if (this.#auth.kind === 'headers') Object.assign(headers, this.#auth.headers);
      if (this.#auth.kind === 'oauth') headers.authorization = `Bearer ${await this.#bearer()}`;
      const abort = new AbortController();
      // The vendor's own timeout, held by its timer; the race ends the attempt even if the fetch
      // implementation lost track of the signal.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort();
          reject(new Error('timed out'));
        }, this.#timeoutMillis);
      });
      const response = await Promise.race([
        this.#fetch(`${this.#target}/webhooks/${kind}`, { method: 'POST', headers, body, signal: abort.signal }),
        timedOut,
      ]).finally(() => clearTimeout(timer));
      await response.arrayBuffer().catch(() => undefined);
      if (response.status === 401) this.#token = undefined;
      return vendorAccepts(response) ? 'accepted' : 'rejected';
    } catch {
      return 'failed';
    }
  }
}
