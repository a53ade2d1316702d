/**
 * `npm start`: the whole system on one machine, no vendor account needed. The webhook service
 * (`serve`, on the embedded SQLite default, OAuth2 on, loopback only), the simulator feeding it
 * webhooks the way the vendor does (late, reordered, duplicated, retried, sometimes invalid), and
 * the poller asking the simulator's status endpoint, settling conflicts. Prints where to look.
 * A port that is taken is said so, and a free one used instead; the temporary folder of the
 * store is removed on exit, Ctrl-C included.
 *
 *   npm start -- --sessions 60 --rate 0.5 --chaos 0.4 --seed 7 --port 8080 --time-scale 0.05
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../src/cli/usage.js';
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

// The store's temporary folder goes when the demo does: on exit, and on Ctrl-C before `serve`
// takes the signal over (it then stops the demo in order, and the exit removes the folder).
const temporary = values.store === undefined ? mkdtempSync(join(tmpdir(), 'onboarding-status-demo-')) : undefined;
const removeTemporary = () => {
  if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
};
process.on('exit', removeTemporary);
const stopEarly = () => process.exit(130);
process.once('SIGINT', stopEarly);
process.once('SIGTERM', stopEarly);
const store = values.store ?? join(temporary as string, 'onboarding-status.db');

/** The port asked for if it is free, else a free one (and say so). */
async function freePort(wanted: number): Promise<number> {
  const probe = createServer();
  const taken = await new Promise<boolean>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(true) : reject(error),
    );
    probe.listen(wanted, '127.0.0.1', () => resolve(false));
  });
  if (!taken) {
    const { port } = probe.address() as { port: number };
    probe.close();
    await once(probe, 'close');
    return port;
  }
  const port = await freePort(0);
  say(`port ${wanted} is taken by another program: using port ${port} instead (to choose one: npm start -- --port N)`);
  return port;
}

const port = await freePort(Number(values.port));
const base = `http://127.0.0.1:${port}`;
const client = { id: 'demo-vendor', secret: 'demo-secret' };

// The service, exactly as `onboarding-status serve` runs it.
const served = runCommand(serveCommand, [
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  '--store',
  store,
  '--oauth-client',
  `${client.id}:${client.secret}`,
]);
let stopped = false;
void served.then(() => {
  stopped = true;
});
let up = false;
for (let i = 0; i < 100 && !up && !stopped; i++) {
  up = await fetch(`${base}/healthz`).then(
    (response) => response.ok,
    () => false,
  );
  if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!up || stopped) {
  say(`the service did not start on ${base}: see its message above`);
  process.exit(1);
}
// `serve` handles Ctrl-C from here on.
process.off('SIGINT', stopEarly);
process.off('SIGTERM', stopEarly);

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
