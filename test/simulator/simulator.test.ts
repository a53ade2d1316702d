/**
 * The fake vendor on its own: reproducible from a seed, its ground truth agreeing with the core,
 * its deliveries behaving like the vendor's (retry schedule, success answers, authentication),
 * and its status endpoint like the vendor's. Targets are in-process handlers: no network.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { createWebhookHandler } from '../../src/service/handler.js';
import { retryDelaySeconds, vendorAccepts } from '../../src/simulator/deliver.js';
import { Random } from '../../src/simulator/random.js';
import { SCENARIOS } from '../../src/simulator/scenarios.js';
import { Simulator } from '../../src/simulator/simulator.js';
import { VendorApi } from '../../src/simulator/vendor.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** The real webhook handler over an in-memory store, as a `fetch`. */
function service(auth?: Parameters<typeof createWebhookHandler>[0]['auth']) {
  const store = createSqliteStore(':memory:');
  stores.push(store);
  const handler = createWebhookHandler({ store, auth });
  const requests: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    return handler(request, { remoteAddress: '127.0.0.1' });
  };
  return { store, fetch, requests };
}

const truthOf = (seed: number) =>
  new Simulator({ seed, sessions: 40, chaos: 0.5, target: 'http://127.0.0.1:9' }).truth().sessions;

describe('the simulator', () => {
  it('generates the same sessions from the same seed, and others from another', () => {
    expect(truthOf(7)).toEqual(truthOf(7));
    expect(truthOf(8)).not.toEqual(truthOf(7));
  });

  it('takes every flow in turn first, so a run of 14 sessions covers them all', () => {
    const scenarios = new Simulator({ seed: 3, sessions: SCENARIOS.length, target: 'http://127.0.0.1:9' }).sessions.map(
      (session) => session.scenario,
    );
    expect(scenarios).toEqual([...SCENARIOS]);
  });

  it("its ground truth is what the core makes of the session's webhooks, in any order, settled by one poll", () => {
    const random = new Random(99);
    let checked = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const simulator = new Simulator({ seed, sessions: 30, target: 'http://127.0.0.1:9' });
      for (const session of simulator.sessions) {
        const ledger = new Ledger();
        const events = [...session.events];
        // A seeded shuffle: deliveries arrive in any order.
        for (let i = events.length - 1; i > 0; i--) {
          const j = random.int(0, i);
          [events[i], events[j]] = [events[j] as (typeof events)[number], events[i] as (typeof events)[number]];
        }
        const base = Date.parse('2026-11-25T10:00:00.000Z');
        events.forEach((event, i) => {
          ledger.addRaw({ kind: event.kind, receivedAt: new Date(base + i * 1000).toISOString(), body: event.body });
        });
        const last = [...session.events].reverse().find((event) => event.status !== undefined);
        ledger.addRaw({
          kind: 'poll',
          interviewId: session.interviewId,
          requestedAt: new Date(base + 3_600_000).toISOString(),
          receivedAt: new Date(base + 3_600_100).toISOString(),
          body: { onboardingStatus: last?.status ?? 'UNKNOWN' },
        });
        const view = ledger.view(session.interviewId);
        expect({ id: session.interviewId, ...session.truth }).toEqual({
          id: session.interviewId,
          interviewId: session.interviewId,
          scenario: session.scenario,
          status: view?.status,
          decision: view?.decision,
          fetchable: view?.fetchable,
        });
        checked++;
      }
    }
    expect(checked).toBe(150);
  });

  it("retries a refused delivery on the vendor's schedule (30 s, x2.5, 5 retries), time-scaled, then gives up", async () => {
    const timeScale = 0.000_02;
    const simulator = new Simulator({
      seed: 1,
      sessions: 1,
      chaos: 0,
      timeScale,
      scenarios: ['id-only'],
      target: 'http://127.0.0.1:9',
      fetch: async () =>
        new Response('{"error":"down"}', { status: 503, headers: { 'content-type': 'application/json' } }),
    });
    const stats = await simulator.run();
    const deliveries = simulator.sessions[0]?.events.length ?? 0;
    expect(stats.exhausted).toBe(deliveries);
    expect(stats.attempts).toBe(deliveries * 6);
    // For each delivery: attempts 1..6, each retry planned the vendor's delay after the previous answer.
    const scaled = [1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n) * timeScale * 1000);
    for (let delivery = 0; delivery < deliveries; delivery++) {
      const attempts = simulator.attempts.filter((a) => a.delivery === delivery).sort((a, b) => a.attempt - b.attempt);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      const gaps = attempts.slice(1).map((a, i) => a.plannedAt - (attempts[i]?.answeredAt ?? 0));
      gaps.forEach((gap, i) => {
        expect(gap).toBeCloseTo(scaled[i] as number, 3);
      });
    }
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([30, 75, 187.5, 468.75, 1171.875]);
  });

  it('counts only 204, or 200 with JSON, as delivered', () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    expect(vendorAccepts(new Response(null, { status: 204 }))).toBe(true);
    expect(vendorAccepts(new Response('{}', { status: 200, headers: json }))).toBe(true);
    expect(vendorAccepts(new Response('ok', { status: 200, headers: { 'content-type': 'text/plain' } }))).toBe(false);
    expect(vendorAccepts(new Response(null, { status: 202 }))).toBe(false);
    expect(vendorAccepts(new Response('{}', { status: 400, headers: json }))).toBe(false);
  });

  it('fetches an OAuth2 token from the target and delivers every webhook with it', async () => {
    const target = service({ oauth: { clients: [{ id: 'sim', secret: 's3cret' }] } });
    const simulator = new Simulator({
      seed: 4,
      sessions: 5,
      chaos: 0,
      timeScale: 0.000_05,
      rate: 10_000,
      target: 'http://127.0.0.1:9',
      auth: { kind: 'oauth', clientId: 'sim', clientSecret: 's3cret' },
      fetch: target.fetch,
    });
    const stats = await simulator.run();
    expect(stats.exhausted).toBe(0);
    expect(simulator.tokenFetches).toBe(1);
    const webhooks = target.requests.filter((request) => new URL(request.url).pathname.startsWith('/webhooks/'));
    expect(webhooks).toHaveLength(stats.deliveries);
    expect(new Set(webhooks.map((request) => request.headers.get('authorization')?.split(' ')[0]))).toEqual(
      new Set(['Bearer']),
    );
    expect((await target.store.sessionIds(undefined, 100)).length).toBe(5);
  });

  it('sends static headers when configured, and its deliveries are refused without them', async () => {
    const target = service({ headers: { 'X-Webhook-Secret': 's3cret' } });
    const options = { seed: 5, sessions: 2, chaos: 0, timeScale: 0.000_02, rate: 10_000, target: 'http://127.0.0.1:9' };
    const good = new Simulator({
      ...options,
      auth: { kind: 'headers', headers: { 'X-Webhook-Secret': 's3cret' } },
      fetch: target.fetch,
    });
    expect((await good.run()).exhausted).toBe(0);
    const bad = new Simulator({ ...options, fetch: target.fetch });
    const stats = await bad.run();
    expect(stats.exhausted).toBe(stats.deliveries);
    expect(new Set(bad.attempts.map((a) => a.result))).toEqual(new Set(['rejected']));
  });

  it('with chaos, duplicates deliveries, loses answers (so the vendor retries) and sends invalid bodies', async () => {
    const target = service();
    const simulator = new Simulator({
      seed: 11,
      sessions: 20,
      chaos: 1,
      timeScale: 0.000_02,
      rate: 10_000,
      target: 'http://127.0.0.1:9',
      fetch: target.fetch,
    });
    const stats = await simulator.run();
    expect(stats.exhausted).toBe(0);
    expect(stats.duplicates).toBeGreaterThan(0);
    expect(stats.lostAnswers).toBeGreaterThan(0);
    expect(stats.invalid).toBeGreaterThan(0);
    // Junk is either refused as not JSON (and retried to exhaustion) or stored and reported invalid.
    const junk = simulator.attempts.filter((a) => a.junk);
    expect(junk.length).toBeGreaterThan(0);
    const codes = new Set<string>();
    for (const id of await target.store.sessionIds(undefined, 100)) {
      const ledger = new Ledger();
      for (const stored of await target.store.sessionRecords(id)) ledger.addRaw(stored.record);
      for (const anomaly of ledger.view(id)?.anomalies ?? []) codes.add(anomaly.code);
    }
    expect(codes).toContain('duplicate');
  });
});

describe("the simulator's status endpoint", () => {
  const T0 = Date.parse('2026-11-25T10:00:00.000Z');
  let clock = T0;
  const simulator = new Simulator({ seed: 2, sessions: 1, scenarios: ['id-face'], target: 'http://127.0.0.1:9' });
  const session = simulator.sessions[0];
  if (session === undefined) throw new Error('no session');
  const vendor = new VendorApi({ now: () => clock, stalenessSeconds: 2 });
  vendor.add(session, T0);
  vendor.acceptToken('t');
  const headers = { 'api-version': '1.0', 'x-api-key': 'sim-api-key', 'x-incode-hardware-id': 't' };
  const get = (id: string, h: Record<string, string> = headers) =>
    vendor.fetch(`http://127.0.0.1:9/omni/get/onboarding/status?id=${id}`, { headers: h });

  it("answers the status as of a moment ago (replica lag), with the vendor's error bodies otherwise", async () => {
    const first = session.events[0];
    if (first?.status === undefined) throw new Error('the flow starts with a status');
    clock = T0 + (first.at + 1) * 1000;
    expect(await (await get(session.interviewId)).json()).toEqual({ onboardingStatus: 'UNKNOWN' });
    clock = T0 + (first.at + 2) * 1000;
    expect(await (await get(session.interviewId)).json()).toEqual({ onboardingStatus: first.status });
    const unknown = await get('nobody');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      status: 404,
      error: 'Not Found',
      path: '/omni/get/onboarding/status',
    });
    expect((await get(session.interviewId, { ...headers, 'x-incode-hardware-id': 'forged' })).status).toBe(401);
    expect((await get(session.interviewId, { 'x-api-key': 'sim-api-key', 'x-incode-hardware-id': 't' })).status).toBe(
      400,
    );
  });

  it('injects 5xx, 429 with Retry-After (time-scaled) and timeouts on demand', async () => {
    vendor.failNext({ kind: 'server-error', status: 502 }, { kind: 'rate-limited', retryAfterSeconds: 30 });
    expect((await get(session.interviewId)).status).toBe(502);
    const limited = await get(session.interviewId);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '30']);
    vendor.failNext({ kind: 'timeout' });
    const hung = vendor.fetch(`http://127.0.0.1:9/omni/get/onboarding/status?id=${session.interviewId}`, {
      headers,
      signal: AbortSignal.timeout(10),
    });
    await expect(hung).rejects.toThrow();
  });
});
