/**
 * Two `serve` instances on one PostgreSQL database receive realistic deliveries of every kind,
 * out of order and duplicated, from concurrent clients; mid-load one instance is killed with
 * SIGKILL and started again. A delivery that was not acknowledged is posted again, to the other
 * instance, as the vendor retries. Afterwards nothing acknowledged is missing, both instances
 * export the same records, and both serve, for every session, the view a single replay of the
 * union gives (their views were merged and folded concurrently, across the kill).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawDeliveryRecord as DeliveryRecord } from '../../src/records/record.js';
import type { SessionView } from '../../src/types.js';
import { WEBHOOK_KINDS } from '../../src/vendor/kinds.js';
import { BUILT_ENTRY, type ServerProcess, startServe, viewsOf } from '../service/support.js';
import { dealt, deliveries, type Post, pool } from '../support/deliveries.js';
import { findPostgresBinaries, startThrowawayCluster, type ThrowawayCluster } from '../support/pg-cluster.js';
import { report } from './load.js';

const binaries = await findPostgresBinaries();
const SECRET = { 'x-webhook-secret': 'sigkill-two' };
const CLIENTS = 24;

describe.skipIf(binaries === undefined && ['', 'false', '0'].includes(process.env.CI ?? ''))(
  'two instances on one PostgreSQL, one killed with SIGKILL mid-load',
  () => {
    let cluster: ThrowawayCluster | undefined;
    const servers: (ServerProcess | undefined)[] = [undefined, undefined];
    let args: string[] = [];

    beforeAll(async () => {
      cluster = await startThrowawayCluster();
      const db = await cluster.createDatabase();
      args = [
        '--host',
        '127.0.0.1',
        '--store',
        db.url,
        '--auth-header',
        `X-Webhook-Secret: ${SECRET['x-webhook-secret']}`,
      ];
      const started = await Promise.all([startServe(args, {}, BUILT_ENTRY), startServe(args, {}, BUILT_ENTRY)]);
      servers[0] = started[0];
      servers[1] = started[1];
    }, 120_000);

    afterAll(async () => {
      await Promise.allSettled(servers.map((server) => server?.stop()));
      await cluster?.stop();
    }, 60_000);

    it('loses nothing acknowledged, and both serve the views of a single replay of the union', async () => {
      const all = deliveries(60, 424_242);
      expect(new Set(all.map((d) => d.kind))).toEqual(new Set(WEBHOOK_KINDS));
      const posts = dealt(all);
      const acknowledged = new Set<string>();
      const answers = new Map<string, number>();
      const note = (what: string) => answers.set(what, (answers.get(what) ?? 0) + 1);
      const keyOf = (delivery: { kind: string; body: unknown }) => `${delivery.kind} ${JSON.stringify(delivery.body)}`;
      let killed = false;
      let restarting: Promise<void> | undefined;

      /** Post until acknowledged: to its instance, then (as the vendor retries) to whichever answers. */
      const deliver = async (post: Post, index: number) => {
        for (let attempt = 0; ; attempt++) {
          const target = attempt === 0 ? post.instance : (post.instance + attempt) % 2;
          const server = servers[target];
          if (server === undefined) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            continue;
          }
          try {
            const response = await fetch(`${server.url}/webhooks/${post.kind}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...SECRET },
              body: JSON.stringify(post.body),
            });
            await response.arrayBuffer();
            note(String(response.status));
            if (response.status === 204) {
              acknowledged.add(keyOf(post));
              break;
            }
          } catch {
            note('connection failed');
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        // A third of the way in, instance 1 dies at once, with posts in flight, and comes back.
        if (!killed && index >= posts.length / 3) {
          killed = true;
          const victim = servers[1] as ServerProcess;
          servers[1] = undefined;
          restarting = victim.kill().then(async () => {
            servers[1] = await startServe(args, {}, BUILT_ENTRY);
          });
        }
      };
      let next = 0;
      await pool(posts, CLIENTS, (post) => deliver(post, next++));
      await restarting;
      expect(killed).toBe(true);
      expect(answers.get('204')).toBeGreaterThanOrEqual(posts.length);

      const [a, b] = servers as [ServerProcess, ServerProcess];
      const exports = await Promise.all([a, b].map(async (server) => (await fetch(`${server.url}/records`)).text()));
      expect(exports[1]).toBe(exports[0]);
      const stored = new Set(
        (exports[0] as string)
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => keyOf(JSON.parse(line) as DeliveryRecord)),
      );
      expect([...acknowledged].filter((key) => !stored.has(key))).toEqual([]);
      expect(acknowledged.size).toBe(new Set(all.map(keyOf)).size);

      const expected = viewsOf(exports[0] as string);
      expect(expected.size).toBeGreaterThan(100);
      for (const server of [a, b]) {
        for (const [id, view] of expected) {
          const response = await fetch(`${server.url}/sessions/${encodeURIComponent(id)}`);
          expect(response.status, id).toBe(200);
          expect((await response.json()) as SessionView, id).toEqual(JSON.parse(JSON.stringify(view)));
        }
        const listed = (await (await fetch(`${server.url}/sessions?limit=1000`)).json()) as { sessions: SessionView[] };
        expect(listed.sessions).toEqual(JSON.parse(JSON.stringify([...expected.values()])));
      }
      report(
        `two instances, SIGKILL of one mid-load: ${posts.length} posts (${acknowledged.size} distinct deliveries), ` +
          `answers ${JSON.stringify(Object.fromEntries(answers))}; nothing acknowledged lost, ${expected.size} sessions equal a replay on both`,
      );
    });
  },
);
