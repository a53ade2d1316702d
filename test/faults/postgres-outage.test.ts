/**
 * PostgreSQL stopped and started under load, with `pg_ctl stop -m fast` (clients disconnected,
 * clean shutdown) and `-m immediate` (every server process quits at once, recovery at the next
 * start), many times over. The service never exits; while the database is down it answers 503
 * (never 204), `/healthz` says the store is down and `/metrics` answers; when the database is
 * back it acknowledges again without a restart, and nothing it acknowledged is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_ENTRY, startServe } from '../service/support.js';
import { findPostgresBinaries, startThrowawayCluster, type ThrowawayCluster } from '../support/pg-cluster.js';
import { expectNothingLost, report, startLoad, summary } from './load.js';

const binaries = await findPostgresBinaries();
const MODES = ['fast', 'immediate', 'fast', 'immediate', 'fast', 'immediate', 'immediate', 'fast'] as const;
const CLIENTS = 16;
const SECRET = { 'x-webhook-secret': 'outage' };

if (binaries === undefined && ['', 'false', '0'].includes(process.env.CI ?? '')) {
  describe.skip('PostgreSQL outage (needs the PostgreSQL server binaries)', () => {
    it('is skipped', () => undefined);
  });
} else {
  let cluster: ThrowawayCluster | undefined;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  });
  afterAll(() => cluster?.stop());

  describe('PostgreSQL outage under load', () => {
    it(`survives ${MODES.length} stops (fast and immediate) without exiting, answering 503 while down`, async () => {
      const db = await (cluster as ThrowawayCluster).createDatabase();
      const server = await startServe(
        ['--store', db.url, '--auth-header', `X-Webhook-Secret: ${SECRET['x-webhook-secret']}`, '--host', '127.0.0.1'],
        {},
        BUILT_ENTRY,
      );
      const load = startLoad(() => server.url, { workers: CLIENTS, headers: SECRET });
      const healthWhileDown: number[] = [];
      const healthMillis: number[] = [];
      try {
        for (const mode of MODES) {
          await load.acknowledgedMore(200);
          await (cluster as ThrowawayCluster).halt(mode);
          const acknowledgedAtStop = load.acknowledged.size;
          // While it is down: deliveries get 503, health says so, metrics answer.
          await load.answeredMore(503, 3 * CLIENTS);
          const started = performance.now();
          const health = await fetch(`${server.url}/healthz`);
          healthMillis.push(performance.now() - started);
          healthWhileDown.push(health.status);
          expect(await health.json()).toMatchObject({ ok: false, store: 'down' });
          const metrics = await fetch(`${server.url}/metrics`);
          expect(metrics.status).toBe(200);
          expect(await metrics.text()).toContain('onboarding_store_up 0');
          // Never a 204 while the database is down: none was added since the stop, but for
          // commits that were already under way when it began.
          expect(load.acknowledged.size - acknowledgedAtStop).toBeLessThanOrEqual(CLIENTS);
          expect(server.child.exitCode).toBeNull();
          await (cluster as ThrowawayCluster).resume();
        }
        // Back without a restart.
        await load.acknowledgedMore(200);
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      } finally {
        await load.stop();
      }
      expect(server.child.exitCode).toBeNull();
      expect(healthWhileDown.every((status) => status === 503)).toBe(true);
      await expectNothingLost(server.url, load.acknowledged);
      report(
        `PostgreSQL outage: ${MODES.length} stops (${MODES.join(', ')}) under ${CLIENTS} clients; ` +
          `${load.acknowledged.size} acknowledged, none lost; 503 answers: ${summary(load.unavailableMillis)}; ` +
          `/healthz while down: ${summary(healthMillis)}; connection errors: ${load.answers.get('error') ?? 0}`,
      );
      expect(await server.stop()).toBe(0);
      await db.drop();
    });
  });
}
