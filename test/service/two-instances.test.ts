/**
 * Two real `serve` processes (the built `onboarding-status` command) on one PostgreSQL database
 * of a throwaway cluster (test/support/pg-cluster.ts). Realistic histories of several sessions,
 * every webhook kind, are shuffled and dealt to both instances over loopback HTTP, some copies to
 * both, posted concurrently. Both instances must then hold the same records and serve, for every
 * session, the view a single `Ledger` replay of that union gives; a delivery to one instance must
 * show on the other's event stream. Without Debian's PostgreSQL binaries the test is skipped,
 * except in CI (`CI` set), where that is a failure.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawDeliveryRecord as DeliveryRecord } from '../../src/records/record.js';
import type { SessionView } from '../../src/types.js';
import { WEBHOOK_KINDS } from '../../src/vendor/kinds.js';
import { dealt, deliveries, pool } from '../support/deliveries.js';
import { findPostgresBinaries, startThrowawayCluster, type ThrowawayCluster } from '../support/pg-cluster.js';
import { BUILT_ENTRY, type ServerProcess, startServe, viewsOf } from './support.js';

const binaries = await findPostgresBinaries();
const SECRET_VALUE = 'two-instances-secret';
const SECRET = { 'x-webhook-secret': SECRET_VALUE };
/** Requests in flight at once, over both instances. */
const CONCURRENCY = 16;
/** The longest a bounded wait (the event stream) may take. */
const WAIT_MS = 30_000;

/** Reads server-sent `view` events until one satisfies `wanted`; the response's signal bounds the wait. */
async function waitForView(response: Response, wanted: (view: SessionView) => boolean): Promise<SessionView> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.get('event') === 'view') {
          const view = JSON.parse(fields.get('data') as string) as SessionView;
          if (wanted(view)) return view;
        }
        end = buffer.indexOf('\n\n');
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('the event stream ended before the view arrived');
      buffer += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const jsonLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

if (binaries === undefined) {
  const message =
    `the two-instance service test needs initdb and pg_ctl in ${process.env.PG_BINDIR || '/usr/lib/postgresql/*/bin'} ` +
    '(Debian: apt-get install postgresql; `npm test` installs it when run as root)';
  // CI is "set" unless empty, "false" or "0".
  if (!['', 'false', '0'].includes(process.env.CI ?? '')) {
    describe('two serve instances on one PostgreSQL', () => {
      it('has the PostgreSQL server binaries it must run with in CI', () => {
        throw new Error(`CI is set and ${message}`);
      });
    });
  } else {
    console.warn(`skipping: ${message}`);
    describe.skip(`two serve instances on one PostgreSQL (skipped: ${message})`, () => {
      it('needs the PostgreSQL server binaries', () => undefined);
    });
  }
} else {
  let cluster: ThrowawayCluster | undefined;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
    const db = await cluster.createDatabase();
    const args = ['--host', '127.0.0.1', '--store', db.url, '--auth-header', `X-Webhook-Secret: ${SECRET_VALUE}`];
    // Started together: both race to create the schema.
    const started = await Promise.allSettled([startServe(args, {}, BUILT_ENTRY), startServe(args, {}, BUILT_ENTRY)]);
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
  }, 120_000);

  afterAll(async () => {
    // SIGTERM, and SIGKILL whoever is not gone after a bounded wait; then the cluster, always.
    await Promise.allSettled(
      servers.map((server) =>
        Promise.race([server.stop(), delay(10_000).then(() => server.kill())]).catch(() => server.kill()),
      ),
    );
    await cluster?.stop();
  }, 60_000);

  describe('two serve instances on one PostgreSQL', () => {
    it('receive the same sessions concurrently, out of order, duplicated; both serve the views of a single replay of the union', async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const urls = [a.url, b.url] as const;
      /** Every answer any client got, to check no 5xx reached one. */
      const answers: { what: string; status: number }[] = [];
      const get = async (url: string, init?: RequestInit) => {
        const response = await fetch(url, init);
        answers.push({ what: `GET ${url}`, status: response.status });
        return response;
      };
      const post = async (instance: 0 | 1, kind: string, body: unknown) => {
        const response = await fetch(`${urls[instance]}/webhooks/${kind}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...SECRET },
          body: JSON.stringify(body),
        });
        await response.arrayBuffer();
        answers.push({ what: `POST ${kind} to instance ${instance}`, status: response.status });
        return response.status;
      };

      const all = deliveries();
      expect(new Set(all.map((d) => d.kind))).toEqual(new Set(WEBHOOK_KINDS));
      const posts = dealt(all);
      expect(posts.some((p) => p.instance === 0) && posts.some((p) => p.instance === 1)).toBe(true);
      expect(posts.length).toBeGreaterThan(all.length); // some went to both

      await pool(posts, CONCURRENCY, async (p) => {
        await post(p.instance, p.kind, p.body);
      });
      const refused = answers.filter((answer) => answer.status !== 204);
      expect(refused).toEqual([]);

      // Both exports hold the same records, in the same (store) order.
      const exports = await Promise.all(urls.map(async (url) => (await get(`${url}/records`)).text()));
      const [linesA, linesB] = exports.map(jsonLines) as [string[], string[]];
      expect(linesB).toEqual(linesA);
      // Every delivery is stored; a copy is a record of its own unless both arrived in the same
      // millisecond with the same record (then idempotence keeps one).
      expect(linesA.length).toBeLessThanOrEqual(posts.length);
      const stored = new Set(
        linesA.map((line) => {
          const record = JSON.parse(line) as DeliveryRecord;
          return `${record.kind} ${JSON.stringify(record.body)}`;
        }),
      );
      const missing = all.map((d) => `${d.kind} ${JSON.stringify(d.body)}`).filter((key) => !stored.has(key));
      expect(missing).toEqual([]);

      // A single replay of the union, and each instance's view of every session.
      const expected = viewsOf(exports[0] as string);
      const sessionIds = [...expected.keys()].sort();
      expect(sessionIds).toEqual(expect.arrayContaining(['all-kinds', 'h0-s1', 'h11-s1']));
      for (const id of sessionIds) {
        const [viewA, viewB] = await Promise.all(
          urls.map(async (url) => {
            const response = await get(`${url}/sessions/${encodeURIComponent(id)}`);
            expect(response.status, `${url} ${id}`).toBe(200);
            return response.json() as Promise<SessionView>;
          }),
        );
        expect(viewA, id).toEqual(viewB);
        expect(viewA, id).toEqual(JSON.parse(JSON.stringify(expected.get(id))));
      }
      // The histories are not trivial: out of order and duplicated deliveries were seen as such.
      const codes = new Set([...expected.values()].flatMap((view) => view.anomalies.map((x) => x.code)));
      expect([...codes]).toEqual(expect.arrayContaining(['duplicate', 'invalid-payload']));
      expect(expected.get('all-kinds')?.decision).toBe('conflict');

      // A delivery to A shows on B's event stream (records of another instance: found within a second).
      const stream = await get(`${b.url}/events`, { signal: AbortSignal.timeout(WAIT_MS) });
      expect(stream.status).toBe(200);
      expect(
        await post(0, 'onboarding-status', { interviewId: 'cross', onboardingStatus: 'ONBOARDING_FINISHED' }),
      ).toBe(204);
      const seen = await waitForView(stream, (view) => view.interviewId === 'cross');
      expect(seen.status).toBe('ONBOARDING_FINISHED');
      const afterCross = await get(`${b.url}/sessions/cross`);
      expect(await afterCross.json()).toEqual(seen);

      expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    }, 120_000);
  });
}
