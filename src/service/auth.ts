/**
 * Authentication of deliveries, with every option the vendor offers for its webhooks: an OAuth2
 * client-credentials bearer token issued by this service, static custom headers, and an IP
 * allowlist that knows a trusted proxy. Secrets are compared in constant time and never stored.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type AddressSet, addressSet, clientAddress, isLoopback } from './address.js';
import { FailureThrottle } from './throttle.js';

/** An OAuth2 client the vendor authenticates as. */
export interface OAuthClient {
  readonly id: string;
  readonly secret: string;
}

/** How deliveries and reads are authenticated. */
export interface AuthOptions {
  /** Static headers every delivery must carry, with these exact values (case-insensitive names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** OAuth2 client credentials: the service hosts `POST /oauth/token` and checks bearer tokens. */
  readonly oauth?: {
    readonly clients: readonly OAuthClient[];
    /** @defaultValue 600 */
    readonly tokenTtlSeconds?: number;
  };
  /** Deliveries only from these addresses (CIDR ranges or single addresses, IPv4 and IPv6). */
  readonly allowIps?: readonly string[];
  /** Proxies whose `X-Forwarded-For` names the client (CIDR ranges or single addresses). */
  readonly trustedProxies?: readonly string[];
  /**
   * Headers a reader of sessions, records and events must carry. Without them, reads are
   * served to loopback clients only (records carry personal data).
   */
  readonly readHeaders?: Readonly<Record<string, string>>;
}

/** The outcome of checking a delivery: what authentication saw (names only), or why it failed. */
export type AuthCheck =
  | { readonly ok: true; readonly seen: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reason: string };

const REDACTED = '[redacted]';
const TOKEN_KEY_LABEL = 'onboarding-status oauth token key v1';
/** A bearer credential (RFC 6750 section 2.1), nothing before or after it. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
/** A token this service issues: `v1.{client id, base64url}.{expiry, seconds}.{HMAC-SHA256, base64url}`. */
const TOKEN = /^v1\.([A-Za-z0-9_-]+)\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/;
/** HTTP Basic credentials: one base64 word. */
const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

/**
 * Base64 (or base64url) text that is the canonical encoding of its bytes (no stray bits; padding
 * exactly where that encoding writes it), decoded as UTF-8.
 */
function strictBase64(text: string, encoding: 'base64' | 'base64url'): string | undefined {
  const bytes = Buffer.from(text, encoding);
  return bytes.toString(encoding) === text ? bytes.toString('utf8') : undefined;
}

/** Equal strings, in time that does not depend on where they differ (hashes make lengths equal). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The authentication of one service: checks deliveries and reads, and issues OAuth2 tokens. */
export class Authenticator {
  readonly #options: AuthOptions;
  readonly #now: () => number;
  readonly #allow: AddressSet | undefined;
  readonly #trusted: AddressSet | undefined;
  readonly #headers: readonly [string, string][];
  readonly #readHeaders: readonly [string, string][];
  readonly #keys = new Map<string, Buffer>();
  readonly #throttle: FailureThrottle;

  constructor(options: AuthOptions = {}, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
    this.#throttle = new FailureThrottle({ now });
    this.#allow = options.allowIps && options.allowIps.length > 0 ? addressSet(options.allowIps) : undefined;
    this.#trusted =
      options.trustedProxies && options.trustedProxies.length > 0 ? addressSet(options.trustedProxies) : undefined;
    const lower = (headers: Readonly<Record<string, string>> | undefined) =>
      Object.entries(headers ?? {}).map(([name, value]): [string, string] => [name.toLowerCase(), value]);
    this.#headers = lower(options.headers);
    this.#readHeaders = lower(options.readHeaders);
    // Tokens are signed with a key derived from the client's secret: several instances with the
    // same configuration accept each other's tokens, and changing the secret revokes them.
    for (const client of options.oauth?.clients ?? []) {
      this.#keys.set(client.id, createHmac('sha256', client.secret).update(TOKEN_KEY_LABEL).digest());
    }
  }

  /** Whether deliveries are authenticated at all (by credentials or by address). */
  get configured(): boolean {
    return this.#headers.length > 0 || this.#keys.size > 0 || this.#allow !== undefined;
  }

  /** Whether this service hosts the OAuth2 token endpoint. */
  get issuesTokens(): boolean {
    return this.#keys.size > 0;
  }

  /** The client's address, read through a trusted proxy. */
  client(request: Request, peer: string | undefined): string | undefined {
    return clientAddress(peer, request.headers.get('x-forwarded-for'), this.#trusted);
  }

  /**
   * Check a delivery. The address allowlist, when set, must admit the client; and when any
   * credential is configured (static headers, OAuth2), one of them must be presented.
   */
  checkDelivery(request: Request, client: string | undefined): AuthCheck {
    if (this.#allow !== undefined && (client === undefined || !this.#allow.has(client))) {
      return { ok: false, reason: 'the client address is not in the allowlist' };
    }
    const credentials = this.#headers.length > 0 || this.#keys.size > 0;
    if (!credentials) return { ok: true, seen: {} };
    if (this.#headers.length > 0 && this.#matches(request, this.#headers)) {
      return { ok: true, seen: Object.fromEntries(this.#headers.map(([name]) => [name, REDACTED])) };
    }
    if (this.#keys.size > 0) {
      const bearer = BEARER.exec(request.headers.get('authorization') ?? '');
      if (bearer && this.#validToken(bearer[1] as string)) {
        return { ok: true, seen: { authorization: `Bearer ${REDACTED}` } };
      }
    }
    return {
      ok: false,
      reason:
        this.#keys.size > 0 && this.#headers.length === 0
          ? 'a valid, unexpired bearer token is required (POST /oauth/token)'
          : 'the authentication headers are missing or wrong',
    };
  }

  /** Check a reader of sessions, records and events. */
  checkRead(request: Request, client: string | undefined): boolean {
    if (this.#readHeaders.length > 0) return this.#matches(request, this.#readHeaders);
    return isLoopback(client);
  }

  #matches(request: Request, expected: readonly [string, string][]): boolean {
    let ok = true;
    // Every header is compared, so the time taken does not tell which one was wrong.
    for (const [name, value] of expected) ok = constantTimeEqual(request.headers.get(name) ?? '', value) && ok;
    return ok;
  }

  #sign(key: Buffer, payload: string): string {
    return createHmac('sha256', key).update(payload).digest('base64url');
  }

  /** Whether a token is exactly one this service issued, unexpired, for a configured client. */
  #validToken(token: string): boolean {
    const parts = TOKEN.exec(token);
    if (parts === null) return false;
    const [, id = '', expires = '', signature = ''] = parts;
    const clientId = strictBase64(id, 'base64url');
    const key = clientId === undefined ? undefined : this.#keys.get(clientId);
    if (key === undefined) return false;
    if (!constantTimeEqual(signature, this.#sign(key, `v1.${id}.${expires}`))) return false;
    return Number(expires) * 1000 > this.#now();
  }

  /**
   * `POST /oauth/token`: the client-credentials grant (RFC 6749 section 4.4), given the form body
   * and the client's address. After a few wrong secrets from one address, it must wait before
   * trying again (429 with `Retry-After`), twice as long after each further failure.
   */
  issueToken(request: Request, text: string, address?: string): Response {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
      });
    const wait = this.#throttle.wait(address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return json(
        429,
        {
          error: 'too_many_attempts',
          error_description: `too many wrong credentials from this address; retry in ${seconds} s`,
        },
        { 'retry-after': String(seconds) },
      );
    }
    const form = new URLSearchParams(text);
    if (form.get('grant_type') !== 'client_credentials') {
      return json(400, {
        error: 'unsupported_grant_type',
        error_description: 'only grant_type=client_credentials is supported',
      });
    }
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const word = BASIC.exec(request.headers.get('authorization') ?? '')?.[1];
    const pair = word === undefined ? undefined : strictBase64(word, 'base64');
    if (pair !== undefined) {
      const colon = pair.indexOf(':');
      if (colon >= 0) {
        const formDecode = (part: string) => {
          try {
            return decodeURIComponent(part.replace(/\+/g, ' '));
          } catch {
            return part;
          }
        };
        id = formDecode(pair.slice(0, colon));
        secret = formDecode(pair.slice(colon + 1));
      }
    }
    const client = this.#options.oauth?.clients.find((candidate) => candidate.id === id);
    // A secret is compared even for an unknown client, so timing does not reveal which ids exist.
    const secretOk = constantTimeEqual(secret ?? '', client?.secret ?? '\u0000no client');
    const key = client && this.#keys.get(client.id);
    if (client === undefined || !secretOk || key === undefined) {
      this.#throttle.failed(address);
      return json(
        401,
        { error: 'invalid_client', error_description: 'unknown client or wrong secret' },
        { 'www-authenticate': 'Basic realm="onboarding-status"' },
      );
    }
    this.#throttle.succeeded(address);
    const ttl = this.#options.oauth?.tokenTtlSeconds ?? 600;
    const expires = Math.floor(this.#now() / 1000) + ttl;
    const payload = `v1.${b64url(client.id)}.${expires}`;
    return json(200, {
      access_token: `${payload}.${this.#sign(key, payload)}`,
      token_type: 'Bearer',
      expires_in: ttl,
    });
  }
}
