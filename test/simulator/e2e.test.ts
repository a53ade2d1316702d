/**
 * End to end: simulate → serve. The real `serve` process (SQLite in a temp dir, OAuth2, on
 * 127.0.0.1) receives the simulator's webhooks with chaos on; the poller, as a library over the
 * same SQLite file, polls the simulator's status endpoint over HTTP. Once deliveries settle,
 * every session's view in the service must equal the simulator's ground truth. Time-scaled so
 * the vendor's half hour of retries runs in about a second; every wait is bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLL_POLICY, scalePollPolicy } from '../../src/core/schedule.js';
import { createPoller, type Poller } from '../../src/poller/poller.js';
import { loginAt } from '../../src/poller/token.js';
import { type LoopbackServer, serveHandler } from '../../src/simulator/http.js';
import { SCENARIOS, type SessionTruth } from '../../src/simulator/scenarios.js';
import { type DeliveryStats, Simulator } from '../../src/simulator/simulator.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import type { SessionView } from '../../src/types.js';
import { type ServerProcess, startServe } from '../service/support.js';

const TIME_SCALE = 0.0005;

let dir: string;
let server: ServerProcess;
let api: LoopbackServer;
let store: Store;
let poller: Poller;
let simulator: Simulator;
let stats: DeliveryStats;
let views: SessionView[] = [];

const pick = (view: SessionView | SessionTruth) => ({
  interviewId: view.interviewId,
  status: view.status,
  decision: view.decision,
  fetchable: view.fetchable,
});

async function readViews(ids: readonly string[]): Promise<SessionView[]> {
  return Promise.all(
    ids.map(async (id) => {
      const response = await fetch(`${server.url}/sessions/${id}`);
      return (await response.json()) as SessionView;
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onboarding-status-e2e-'));
  const path = join(dir, 'store.db');
  server = await startServe([
    '--host',
    '127.0.0.1',
    '--store',
    path,
    '--oauth-client',
    'sim:s3cret',
    '--oauth-ttl',
    '60',
  ]);
  simulator = new Simulator({
    seed: 20261125,
    sessions: 42,
    rate: 400,
    chaos: 0.7,
    timeScale: TIME_SCALE,
    // Every flow, and reversed reviews four times as often: conflicts for the poller to settle.
    scenarios: [...SCENARIOS, 'review-reversed', 'review-reversed', 'review-reversed'],
    target: server.url,
    auth: { kind: 'oauth', clientId: 'sim', clientSecret: 's3cret' },
  });
  api = await serveHandler(simulator.vendor.handle);
  store = await openStore(path);
  poller = createPoller({
    store,
    baseUrl: api.url,
    apiKey: 'sim-api-key',
    token: {
      login: loginAt(
        `${api.url}/executive/log-in`,
        { email: 'sim@example.com', password: 'sim-password' },
        'sim-api-key',
      ),
    },
    policy: scalePollPolicy(DEFAULT_POLL_POLICY, TIME_SCALE),
    concurrency: 4,
    timeoutMillis: 250,
    minSleepMillis: 5,
    maxSleepMillis: 50,
  });
  poller.start();
  stats = await simulator.run();
  // Deliveries have settled; the poller may still be settling conflicts. Bounded: at most 15 s.
  const ids = simulator.sessions.map((session) => session.interviewId);
  const want = JSON.stringify(simulator.sessions.map((session) => pick(session.truth)));
  for (let round = 0; round < 150; round++) {
    views = await readViews(ids);
    if (JSON.stringify(views.map(pick)) === want) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  await poller?.stop();
  simulator?.stop();
  await api?.close();
  await store?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('simulate → serve, with chaos, and the poller on', () => {
  it('every view in the service equals the ground truth', () => {
    expect(views.map(pick)).toEqual(simulator.sessions.map((session) => pick(session.truth)));
  });

  it('the chaos really happened: reordering, duplicates, lost answers, invalid bodies, vendor faults', () => {
    expect(stats.exhausted).toBe(0);
    expect(stats.duplicates).toBeGreaterThan(0);
    expect(stats.lostAnswers).toBeGreaterThan(0);
    expect(stats.invalid).toBeGreaterThan(0);
    expect(simulator.tokenFetches).toBeGreaterThanOrEqual(1);
    const codes = new Set(views.flatMap((view) => view.anomalies.map((anomaly) => anomaly.code)));
    for (const code of ['duplicate', 'late-delivery', 'invalid-payload', 'deprecated-webhook'])
      expect(codes).toContain(code);
    const answers = new Set(simulator.vendor.requests.map((request) => request.answer));
    for (const fault of [429, 'timeout']) expect(answers).toContain(fault);
    expect([500, 502, 503].some((status) => answers.has(status))).toBe(true);
  });

  it('conflicting decisions were settled by polls, and no session is left asking for one', () => {
    const conflicted = views.filter((view) =>
      view.anomalies.some((anomaly) => anomaly.code === 'conflicting-decision'),
    );
    expect(conflicted.length).toBeGreaterThan(0);
    for (const view of conflicted) expect(['approved', 'rejected']).toContain(view.decision);
    expect(views.filter((view) => view.pollRequested)).toEqual([]);
  });

  it('the poller stops at terminal sessions: at most the one settling poll after their last webhook', async () => {
    for (const view of views.filter((v) => v.terminal)) {
      const records = (await store.sessionRecords(view.interviewId)).map((stored) => stored.record);
      const polls = records.filter((record) => record.kind === 'poll');
      const lastWebhook = Math.max(
        ...records.filter((record) => record.kind !== 'poll').map((record) => Date.parse(record.receivedAt)),
      );
      // After the last webhook, at most the one poll that settled the session was needed.
      const after = polls.filter((record) => Date.parse(record.requestedAt ?? '') > lastWebhook);
      expect(after.length, view.interviewId).toBeLessThanOrEqual(1);
    }
  });
});
