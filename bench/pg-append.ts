/**
 * Append throughput of the PostgreSQL store on a throwaway local cluster (fsync on, defaults):
 * one append at a time (a commit each) against many concurrent appends (group commit), with one
 * and with several store instances on the same database.
 *
 *   npm run bench:pg             # or: npx tsx bench/pg-append.ts [appends-per-scenario]
 *
 * Each append carries one record of a few hundred bytes, as one webhook delivery does.
 */
import { createPostgresStore } from '../src/store/postgres.js';
import type { Store } from '../src/store/types.js';
import { statusRecord, toStore } from '../test/store/contract.js';
import { startThrowawayCluster } from '../test/support/pg-cluster.js';

const total = Number(process.argv[2] ?? 20_000);

interface Scenario {
  readonly name: string;
  readonly instances: number;
  /** Concurrent clients per instance, each appending one record at a time. */
  readonly clients: number;
  readonly appends: number;
}

const scenarios: Scenario[] = [
  { name: 'one at a time (a commit each)', instances: 1, clients: 1, appends: Math.min(total, 2_000) },
  { name: '64 concurrent clients, 1 instance', instances: 1, clients: 64, appends: total },
  { name: '256 concurrent clients, 1 instance', instances: 1, clients: 256, appends: total },
  { name: '4 instances × 64 clients', instances: 4, clients: 64, appends: total },
];

const cluster = await startThrowawayCluster();
try {
  console.log(`PostgreSQL store append throughput (${total} appends per grouped scenario)`);
  for (const scenario of scenarios) {
    const db = await cluster.createDatabase();
    let commits = 0;
    const stores: Store[] = [];
    for (let i = 0; i < scenario.instances; i++) {
      stores.push(
        await createPostgresStore(db.url, {
          onCommit: () => {
            commits++;
          },
        }),
      );
    }
    let next = 0;
    const started = performance.now();
    await Promise.all(
      stores.flatMap((store, s) =>
        Array.from({ length: scenario.clients }, async () => {
          for (let i = next++; i < scenario.appends; i = next++) {
            await store.append([toStore(statusRecord(`b${s}-${i % 5000}`, i))]);
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const store of stores) await store.close();
    await db.drop();
    const rate = Math.round(scenario.appends / seconds);
    const group = (scenario.appends / commits).toFixed(1);
    console.log(
      `${scenario.name.padEnd(36)} ${String(rate).padStart(7)} appends/s  ${String(commits).padStart(6)} commits  ${group.padStart(6)} per commit`,
    );
  }
} finally {
  await cluster.stop();
}
