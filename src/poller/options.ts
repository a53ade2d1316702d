/**
 * The poller's command-line options, ready for `serve` to adopt: spread `POLL_OPTIONS` into its
 * `parseArgs` options, append `POLL_USAGE` to its usage, and start
 * `createPoller({ store, ...pollerOptionsOf(values, process.env) })` when that is not undefined.
 * Secrets may come from the environment instead of the command line (where `ps` shows them).
 */
import type { PollerOptions } from './poller.js';
import { loginAt } from './token.js';

/** `parseArgs` options of the poller. */
export const POLL_OPTIONS = {
  'poll-url': { type: 'string' },
  'poll-api-key': { type: 'string' },
  'poll-token': { type: 'string' },
  'poll-login-url': { type: 'string' },
  'poll-email': { type: 'string' },
  'poll-concurrency': { type: 'string' },
} as const;

/** Their usage lines. */
export const POLL_USAGE = `  --poll-url URL            poll the vendor's status endpoint at this API base URL for sessions
                            that are not terminal (off without it)
  --poll-api-key KEY        x-api-key (or INCODE_API_KEY)
  --poll-token TOKEN        the executive token, as given (or INCODE_EXECUTIVE_TOKEN)
  --poll-login-url URL      or log in for it here (POST {email, password}); the password comes
  --poll-email EMAIL        from INCODE_EXECUTIVE_PASSWORD
  --poll-concurrency N      polls in flight at once (default 4)
`;

type Values = { readonly [K in keyof typeof POLL_OPTIONS]?: string };

/** The poller's options from parsed values and the environment; undefined when polling is off. */
export function pollerOptionsOf(
  values: Values,
  env: Readonly<Record<string, string | undefined>> = {},
): Omit<PollerOptions, 'store'> | undefined {
  const baseUrl = values['poll-url'];
  if (baseUrl === undefined) return undefined;
  // An empty variable is an unset one: `INCODE_API_KEY=` must not pass for a key.
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const apiKey = given(values['poll-api-key']) ?? given(env.INCODE_API_KEY);
  if (apiKey === undefined) throw new Error('--poll-url needs --poll-api-key (or INCODE_API_KEY)');
  const fixed = given(values['poll-token']) ?? given(env.INCODE_EXECUTIVE_TOKEN);
  const loginUrl = values['poll-login-url'];
  let token: PollerOptions['token'];
  if (fixed !== undefined) token = fixed;
  else if (loginUrl !== undefined) {
    const email = values['poll-email'];
    const password = env.INCODE_EXECUTIVE_PASSWORD;
    if (email === undefined || password === undefined) {
      throw new Error('--poll-login-url needs --poll-email and INCODE_EXECUTIVE_PASSWORD');
    }
    token = { login: loginAt(loginUrl, { email, password }, apiKey) };
  } else throw new Error('--poll-url needs --poll-token (or INCODE_EXECUTIVE_TOKEN) or --poll-login-url');
  const concurrency = values['poll-concurrency'] === undefined ? undefined : Number(values['poll-concurrency']);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new Error(`--poll-concurrency "${values['poll-concurrency']}": expected a positive integer`);
  }
  return { baseUrl, apiKey, token, ...(concurrency === undefined ? {} : { concurrency }) };
}
