/**
 * `onboarding-status serve`: the webhook service on Node, over an embedded SQLite file or a
 * PostgreSQL server. Parses options, opens the store, serves the handler until SIGINT/SIGTERM.
 */
import { readFlow } from '../cli/flow.js';
import { type Command, EXIT, noPositionals, parse, UsageError } from '../cli/usage.js';
import { POLL_OPTIONS, POLL_USAGE, pollerOptionsOf } from '../poller/options.js';
import { createPoller, type Poller } from '../poller/poller.js';
import { isPostgresUrl, openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { addressSet, isLoopback } from './address.js';
import type { AuthOptions, OAuthClient } from './auth.js';
import { createWebhookHandler, normalizeBase } from './handler.js';
import { ServiceMetrics } from './metrics.js';
import { startServer } from './server.js';

export const SERVE_USAGE = `Usage: onboarding-status serve [options]

Receive the vendor's webhooks at POST /webhooks/{kind}, store each delivery durably before
answering 204, and serve the session views (GET /sessions/{interviewId}). The endpoints are
described in docs/openapi.json, the session view in docs/spec.md#the-session-view.
  --port N                  port to listen on (default 8080; 0 picks a free one)
  --host ADDRESS            address to bind (default: all interfaces with authentication
                            configured, else 127.0.0.1 only)
  --store PATH|URL          SQLite file (default ./onboarding-status.db) or postgres://…
  --auth-header 'Name: v'   a header every delivery must carry (repeatable)
  --oauth-client id:secret  an OAuth2 client; the service issues tokens at POST /oauth/token
                            and accepts deliveries with a valid bearer token (repeatable)
  --oauth-ttl SECONDS       lifetime of issued tokens (default 600)
  --allow-ip CIDR           accept deliveries only from these addresses (repeatable)
  --trusted-proxy CIDR      read the client address from X-Forwarded-For of this proxy (repeatable)
  --read-header 'Name: v'   a header readers of /sessions, /records and /events must carry
                            (repeatable; without it, reads are served to loopback clients only)
  --max-body BYTES          largest body accepted (default 1048576; k and m suffixes allowed)
  --flow FILE               a flow configuration: {"modules":["id","face",...]}
  --base-path PATH          serve every route under PATH (e.g. /onboarding), behind a proxy
${POLL_USAGE}
Secrets on a command line are visible to other users of the machine; the environment
variables ONBOARDING_STATUS_AUTH_HEADERS, ONBOARDING_STATUS_OAUTH_CLIENTS and
ONBOARDING_STATUS_READ_HEADERS take the same values, one per line, added to the options.

Exit status: 0 stopped by SIGINT or SIGTERM; 1 the store cannot be opened, the port is taken,
or closing failed; 2 the command line is wrong.

Examples:
  onboarding-status serve --port 8080 --store ./data.db --auth-header 'X-Webhook-Secret: s3cret'
  onboarding-status serve --store postgres://user:pass@db/onboarding --oauth-client vendor:secret
`;

/** Values of a repeatable option from the environment, one per line. */
const fromEnv = (name: string): string[] =>
  (process.env[name] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

function header(text: string, option: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  const value = colon > 0 ? text.slice(colon + 1).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || value === '') {
    throw new UsageError(`${option} "${text}": expected 'Name: value'`);
  }
  return [name, value];
}

function bytes(text: string): number {
  const match = /^(\d+)([km]?)$/i.exec(text.trim());
  if (!match) throw new UsageError(`--max-body "${text}": expected a number of bytes (e.g. 1048576, 512k, 4m)`);
  const unit = (match[2] ?? '').toLowerCase();
  return Number(match[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

function basePathOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    normalizeBase(text);
  } catch {
    throw new UsageError(`--base-path "${text}": expected a path such as /onboarding`);
  }
  return text;
}

function optionsOf(args: string[]) {
  const { values, positionals } = parse(args, {
    port: { type: 'string', default: '8080' },
    host: { type: 'string' },
    store: { type: 'string', default: './onboarding-status.db' },
    'auth-header': { type: 'string', multiple: true },
    'oauth-client': { type: 'string', multiple: true },
    'oauth-ttl': { type: 'string' },
    'allow-ip': { type: 'string', multiple: true },
    'trusted-proxy': { type: 'string', multiple: true },
    'read-header': { type: 'string', multiple: true },
    'max-body': { type: 'string' },
    flow: { type: 'string' },
    'base-path': { type: 'string' },
    ...POLL_OPTIONS,
  });
  noPositionals(positionals);
  if (values.help) return undefined;
  let poll: ReturnType<typeof pollerOptionsOf>;
  try {
    poll = pollerOptionsOf(values, process.env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port "${values.port}": expected 0-65535`);
  const clients: OAuthClient[] = [...(values['oauth-client'] ?? []), ...fromEnv('ONBOARDING_STATUS_OAUTH_CLIENTS')].map(
    (text) => {
      const colon = text.indexOf(':');
      if (colon <= 0 || colon === text.length - 1) throw new UsageError(`--oauth-client "${text}": expected id:secret`);
      return { id: text.slice(0, colon), secret: text.slice(colon + 1) };
    },
  );
  const ttl = values['oauth-ttl'] === undefined ? undefined : Number(values['oauth-ttl']);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1)) throw new UsageError('--oauth-ttl: expected seconds');
  const ranges = (list: string[] | undefined, option: string) => {
    try {
      addressSet(list ?? []);
    } catch (error) {
      throw new UsageError(`${option}: ${(error as Error).message}`);
    }
    return list;
  };
  const auth: AuthOptions = {
    headers: Object.fromEntries(
      [...(values['auth-header'] ?? []), ...fromEnv('ONBOARDING_STATUS_AUTH_HEADERS')].map((text) =>
        header(text, '--auth-header'),
      ),
    ),
    readHeaders: Object.fromEntries(
      [...(values['read-header'] ?? []), ...fromEnv('ONBOARDING_STATUS_READ_HEADERS')].map((text) =>
        header(text, '--read-header'),
      ),
    ),
    ...(clients.length > 0 ? { oauth: { clients, tokenTtlSeconds: ttl } } : {}),
    allowIps: ranges(values['allow-ip'], '--allow-ip'),
    trustedProxies: ranges(values['trusted-proxy'], '--trusted-proxy'),
  };
  return {
    port,
    host: values.host,
    store: values.store as string,
    auth,
    maxBodyBytes: values['max-body'] === undefined ? undefined : bytes(values['max-body']),
    flow: readFlow(values.flow),
    basePath: basePathOf(values['base-path']),
    poll,
  };
}

const say = (text: string) => process.stderr.write(`onboarding-status: ${text}\n`);

/** A store as it may be shown: a PostgreSQL URL without its password. */
export function shownStore(spec: string): string {
  if (!isPostgresUrl(spec)) return spec;
  try {
    const url = new URL(spec);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

/** Run the service until SIGINT or SIGTERM; resolves with the exit code once it stopped. */
async function serve(args: string[]): Promise<number> {
  const options = optionsOf(args);
  if (options === undefined) {
    process.stdout.write(SERVE_USAGE);
    return EXIT.ok;
  }
  const metrics = new ServiceMetrics();
  let store: Store;
  try {
    store = await openStore(options.store, {
      flow: options.flow,
      onCommit: (records, millis) => metrics.commit(records, millis),
      log: say,
    });
  } catch (error) {
    say(
      `cannot open the store ${shownStore(options.store)}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return EXIT.failed;
  }
  const handler = createWebhookHandler({
    store,
    auth: options.auth,
    flow: options.flow,
    maxBodyBytes: options.maxBodyBytes,
    metrics,
    log: say,
    basePath: options.basePath,
  });
  let host = options.host;
  if (!handler.authenticated) {
    if (host !== undefined && !isLoopback(host) && host !== 'localhost') {
      await store.close();
      say(
        `refusing to listen on ${host} without authentication: anyone could post deliveries. ` +
          'Configure --auth-header, --oauth-client or --allow-ip, or listen on 127.0.0.1.',
      );
      return EXIT.usage;
    }
    if (host === undefined) {
      host = '127.0.0.1';
      say(
        'no authentication configured (--auth-header, --oauth-client, --allow-ip): listening on 127.0.0.1 only, ' +
          'so only this machine can post deliveries',
      );
    }
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(handler, options.port, host ?? '::', { log: say });
  } catch (error) {
    handler.close();
    await store.close();
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    say(`port ${options.port} is taken by another program: choose another with --port (--port 0 picks a free one)`);
    return EXIT.failed;
  }
  let poller: Poller | undefined;
  // Stopping is set up before "listening on" is said: a SIGTERM sent on reading that line (a
  // supervisor, a test) must close the service, not kill it before its handler exists.
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      say(`${signal}: closing`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      Promise.resolve(poller?.stop())
        .then(() => server.close())
        .then(() => store.close())
        .then(
          () => resolve(0),
          (error: unknown) => {
            say(`closing failed: ${error instanceof Error ? error.message : String(error)}`);
            resolve(1);
          },
        );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const under = options.basePath === undefined ? '' : `routes under ${options.basePath}; `;
  say(`listening on ${server.url} (${under}store: ${shownStore(options.store)})`);
  if (options.poll !== undefined) {
    poller = createPoller({ store, flow: options.flow, log: say, ...options.poll });
    poller.start();
    say(`polling ${options.poll.baseUrl} for sessions that are not terminal`);
  }
  if (Object.keys(options.auth.readHeaders ?? {}).length === 0) {
    say('reads (/sessions, /records, /events) are served to loopback clients only; --read-header opens them');
  }
  return stopped;
}

/** `onboarding-status serve`. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the webhook service (docs/openapi.json)',
  usage: SERVE_USAGE,
  run: serve,
};
