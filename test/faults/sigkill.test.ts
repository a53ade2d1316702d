/**
 * SIGKILL under load, again and again: the service is killed while concurrent clients post, and
 * restarted on the same SQLite file, many times. Every delivery it acknowledged is stored, the
 * views it serves equal a replay of its export, and `onboarding-status replay` reads that export.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/types.js';
import { BUILT_ENTRY, type ServerProcess, startServe } from '../service/support.js';
import { expectNothingLost, report, startLoad } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'faults-sigkill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CYCLES = 20;
const CLIENTS = 32;
/** Deliveries acknowledged in each cycle before the kill. */
const PER_CYCLE = 300;

describe('SIGKILL under load', () => {
  it(`loses no acknowledged delivery over ${CYCLES} kills, and serves views equal to a replay`, async () => {
    const store = join(dir, 'killed.db');
    let server: ServerProcess | undefined = await startServe(['--store', store], {}, BUILT_ENTRY);
    const load = startLoad(() => server?.url, { workers: CLIENTS });
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await load.acknowledgedMore(PER_CYCLE);
      const killed: ServerProcess = server as ServerProcess;
      server = undefined;
      await killed.kill();
      server = await startServe(['--store', store], {}, BUILT_ENTRY);
    }
    await load.acknowledgedMore(PER_CYCLE);
    await load.stop();
    const live = server as ServerProcess;
    try {
      const exported = await expectNothingLost(live.url, load.acknowledged);
      report(
        `SIGKILL: ${CYCLES} kills under ${CLIENTS} clients, ${load.acknowledged.size} deliveries acknowledged, ` +
          `none lost; ${load.answers.get('error') ?? 0} posts cut by a kill (never acknowledged)`,
      );
      // The command line reads the export the service wrote.
      const file = join(dir, 'export.jsonl');
      writeFileSync(file, exported);
      // Exit 1 when errors remain in the log (the load sends a few invalid bodies on purpose).
      const run = spawnSync(process.execPath, [...BUILT_ENTRY, 'replay', file, '--json'], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      expect([0, 1], run.stderr).toContain(run.status);
      const replayed = JSON.parse(run.stdout) as { sessions: SessionView[] };
      const served = (await (await fetch(`${live.url}/sessions?limit=1000`)).json()) as { sessions: SessionView[] };
      const decided = ({ interviewId, status, decision, fetchable }: SessionView) => ({
        interviewId,
        status,
        decision,
        fetchable,
      });
      expect(replayed.sessions.map(decided)).toEqual(served.sessions.map(decided));
      expect(served.sessions.length).toBeGreaterThan(0);
    } finally {
      await live.stop();
    }
  });
});
