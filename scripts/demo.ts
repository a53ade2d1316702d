/**
 * `npm start`: the whole system on one machine, no vendor account needed. The webhook service
 * (`serve`, on the embedded SQLite default, OAuth2 on, loopback only), the simulator feeding it
 * webhooks the way the vendor does (late, reordered, duplicated, retried, sometimes invalid), and
 * the poller asking the simulator's status endpoint, settling conflicts. Prints where to look.
 *
 *   npm start -- --sessions 60 --rate 0.5 --chaos 0.4 --seed 7 --port 8080 --time-scale 0.05
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_POLL_POLICY, scalePollPolicy } from '../src/core/schedule.js';
import { createPoller } from '../src/poller/poller.js';
import { loginAt } from '../src/poller/token.js';
import { serveCommand } from '../src/service/cli.js';
import { serveHandler } from '../src/simulator/http.js';
import { Simulator } from '../src/simulator/simulator.js';
import { openStore } from '../src/store/open.js';
import type { SessionView } from '../src/types.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    sessions: { type: 'string', default: '60' },
    rate: { type: 'string', default: '0.5' },
    chaos: { type: 'string', default: '0.4' },
    seed: { type: 'string', default: String(Math.floor(Date.now() / 1000) % 100_000) },
    'time-scale': { type: 'string', default: '0.05' },
    store: { type: 'string' },
  },
});

const say = (text: string) => process.stdout.write(`demo: ${text}\n`);
const timeScale = Number(values['time-scale']);
const store = values.store ?? join(mkdtempSync(join(tmpdir(), 'onboarding-status-demo-')), 'onboarding-status.db');
const base = `http://127.0.0.1:${values.port}`;
const client = { id: 'demo-vendor', secret: 'demo-secret' };

// The service, exactly as `onboarding-status serve` runs it.
const served = serveCommand([
  '--host',
  '127.0.0.1',
  '--port',
  String(values.port),
  '--store',
  store,
  '--oauth-client',
  `${client.id}:${client.secret}`,
]).catch((error: unknown) => {
  say(`serve failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
let up = false;
for (let i = 0; i < 100 && !up; i++) {
  up = await fetch(`${base}/healthz`).then(
    (response) => response.ok,
    () => false,
  );
  if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!up) {
  say(`the service did not start on ${base} (is the port taken? try npm start -- --port 8081)`);
  process.exit(1);
}

const simulator = new Simulator({
  seed: Number(values.seed),
  sessions: Number(values.sessions),
  rate: Number(values.rate),
  chaos: Number(values.chaos),
  timeScale,
  target: base,
  auth: { kind: 'oauth', clientId: client.id, clientSecret: client.secret },
});
const api = await serveHandler(simulator.vendor.handle);
const pollerStore = await openStore(store);
const poller = createPoller({
  store: pollerStore,
  baseUrl: api.url,
  apiKey: 'sim-api-key',
  token: {
    login: loginAt(
      `${api.url}/executive/log-in`,
      { email: 'sim@example.com', password: 'sim-password' },
      'sim-api-key',
    ),
  },
  policy: scalePollPolicy(DEFAULT_POLL_POLICY, timeScale),
  timeoutMillis: 2_000,
  log: (message) => say(`poller: ${message}`),
});

const dashboard = await fetch(`${base}/`).then(
  (response) => response.ok && (response.headers.get('content-type') ?? '').includes('text/html'),
  () => false,
);
say(`store: ${store}`);
say(`vendor simulator (seed ${values.seed}, chaos ${values.chaos}): ${api.url}`);
say(
  dashboard
    ? `dashboard: ${base}/`
    : `sessions: ${base}/sessions  (one: ${base}/sessions/sim-${values.seed}-0000, live: ${base}/events)`,
);
say('Ctrl-C to stop');

poller.start();
void simulator.run().then((stats) => {
  say(
    `all deliveries settled: ${stats.deliveries} deliveries, ${stats.retries} retries, ${stats.exhausted} undelivered`,
  );
});

// A line every few seconds: how the sessions stand, so the terminal tells the story too.
const summary = setInterval(async () => {
  const response = await fetch(`${base}/sessions?limit=1000`).catch(() => undefined);
  if (!response?.ok) return;
  const { sessions } = (await response.json()) as { sessions: SessionView[] };
  const count = (pick: (view: SessionView) => string) => {
    const counts = new Map<string, number>();
    for (const view of sessions) counts.set(pick(view), (counts.get(pick(view)) ?? 0) + 1);
    return [...counts].map(([name, n]) => `${name} ${n}`).join(', ');
  };
  const polls = simulator.vendor.requests.length;
  say(`${sessions.length} sessions · decisions: ${count((view) => view.decision)} · ${polls} polls`);
}, 5_000);

// `serve` stops on Ctrl-C (SIGINT) or SIGTERM; then the rest stops too.
const code = await served;
clearInterval(summary);
simulator.stop();
await poller.stop();
await api.close();
await pollerStore.close();
process.exitCode = code;
