/**
 * Crash: the server is killed with SIGKILL while clients post. After a restart on the same file,
 * every delivery it acknowledged is there, and its views equal a replay of the stored log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/types.js';
import { startServe, viewsOf } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STATUSES = [
  'ID_VALIDATION_FINISHED',
  'FACE_VALIDATION_FINISHED',
  'GOVERNMENT_VALIDATION_FINISHED',
  'ONBOARDING_FINISHED',
  'MANUAL_REVIEW_APPROVED',
];
const WORKERS = 8;
const PER_WORKER = 400;
const KILL_AFTER = 600;

/** Delivery `n`: a kind and a body that names it (`tag`), spread over 20 sessions. */
function delivery(n: number): { kind: string; body: Record<string, unknown>; tag: string } {
  const session = `s${n % 20}`;
  const tag = `d${n}`;
  switch (n % 5) {
    case 0:
      return { kind: 'watchlist', body: { interviewId: session, ref: 'w', search_id: tag }, tag };
    case 1:
      return { kind: 'proof-of-payment', body: { requestId: `r-${session}`, folio: tag }, tag };
    case 2:
      return {
        kind: 'work-history',
        body: { interviewId: session, requestId: `r-${session}`, workHistory: { tag } },
        tag,
      };
    default:
      return {
        kind: 'onboarding-status',
        body: { interviewId: session, onboardingStatus: STATUSES[n % STATUSES.length], externalId: tag },
        tag,
      };
  }
}

describe('crash', () => {
  it('loses no acknowledged delivery to SIGKILL, and serves views equal to a replay after restart', async () => {
    const store = join(dir, 'crash.db');
    const server = await startServe(['--store', store]);
    const acknowledged = new Set<string>();
    let killed: Promise<void> | undefined;
    const worker = async (w: number) => {
      for (let i = 0; i < PER_WORKER && killed === undefined; i++) {
        const { kind, body, tag } = delivery(w * PER_WORKER + i);
        try {
          const response = await fetch(`${server.url}/webhooks/${kind}`, {
            method: 'POST',
            body: JSON.stringify(body),
          });
          if (response.status === 204) acknowledged.add(tag);
          else throw new Error(`unexpected ${response.status}`);
        } catch (error) {
          if (killed === undefined) throw error;
          return;
        }
        if (acknowledged.size >= KILL_AFTER && killed === undefined) killed = server.kill();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    expect(killed, 'the server was killed mid-stream').toBeDefined();
    await killed;
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);

    const restarted = await startServe(['--store', store]);
    try {
      const exported = await (await fetch(`${restarted.url}/records`)).text();
      const stored = new Set((exported.match(/"d\d+"/g) ?? []).map((quoted) => quoted.slice(1, -1)));
      const lost = [...acknowledged].filter((tag) => !stored.has(tag));
      expect(lost).toEqual([]);

      const expected = viewsOf(exported);
      const listed = (await (await fetch(`${restarted.url}/sessions?limit=1000`)).json()) as {
        sessions: SessionView[];
      };
      expect(listed.sessions.map((view) => view.interviewId)).toEqual([...expected.keys()]);
      expect(listed.sessions).toEqual(JSON.parse(JSON.stringify([...expected.values()])));
      for (const id of ['s0', 's7', 's19']) {
        const view = await (await fetch(`${restarted.url}/sessions/${id}`)).json();
        expect(view).toEqual(JSON.parse(JSON.stringify(expected.get(id))));
      }
      // It keeps receiving after the restart.
      const next = delivery(WORKERS * PER_WORKER);
      const response = await fetch(`${restarted.url}/webhooks/${next.kind}`, {
        method: 'POST',
        body: JSON.stringify(next.body),
      });
      expect(response.status).toBe(204);
    } finally {
      await restarted.stop();
    }
  });
});
