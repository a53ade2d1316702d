/**
 * Benchmark 4: two `onboarding-status serve` instances on one throwaway PostgreSQL cluster
 * (test/support/pg-cluster.ts: fsync on, defaults) against one instance on the same cluster.
 * The same autocannon load (the same total connections, split evenly between the instances),
 * a fresh database per run, medians over BENCH_RUNS runs. Counts every 5xx, connection error
 * and deadlock / serialization failure that reached a client or the servers' logs. While the
 * load runs, PostgreSQL's wait events of the instances' sessions are sampled
 * (`pg_stat_activity`); after each run, every session's view is checked against a replay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresStore } from '../src/store/postgres.js';
import { startThrowawayCluster } from '../test/support/pg-cluster.js';
import { cpuDuring } from './cpu.js';
import { type Child, deliveries, type Load, load, medianRun, serveArgs, startChild } from './load.js';
import { machine } from './measure.js';
import { topSelfTime } from './profile.js';
import { type Verified, verifyViews } from './verify.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SERVICE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_SERVICE_CONNECTIONS ?? 32);
const WARMUP = 2;
const requests = deliveries(20_000);

interface Scenario extends Load {
  readonly instances: number;
  /** Lines of the servers' logs that name a deadlock or a serialization failure. */
  readonly conflictLogLines: number;
  /** Appends the servers logged as failed (each answered 503). */
  readonly failedAppends: number;
  /** Samples of the instances' PostgreSQL sessions by what they were doing (wait event, or CPU). */
  readonly waits: Record<string, number>;
  /** Views against a replay, after the run. */
  readonly verified: Verified;
  /** Where the machine's CPU went during the load. */
  readonly cpu: Record<string, number>;
}

/** Sample, every 10 ms until `done`, what the instances' sessions are waiting on in PostgreSQL. */
async function sampleWaits(url: string, done: Promise<unknown>): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  const waits: Record<string, number> = {};
  let over = false;
  void done.finally(() => {
    over = true;
  });
  try {
    while (!over) {
      const { rows } = await client.query<{ what: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU (no wait event)') AS what, count(*)::int AS n
         FROM pg_stat_activity
         WHERE application_name = 'onboarding-status' AND state <> 'idle' AND pid <> pg_backend_pid()
         GROUP BY 1`,
      );
      for (const { what, n } of rows) waits[what] = (waits[what] ?? 0) + n;
      waits.samples = (waits.samples ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await client.end();
  }
  return waits;
}

async function scenario(url: string, instances: number, extra: string[] = []): Promise<Scenario> {
  const children: Child[] = [];
  try {
    // One after the other: each creates the schema if it is missing.
    for (let i = 0; i < instances; i++) {
      children.push(await startChild(serveArgs(url, extra)));
    }
    const share = Math.max(1, Math.floor(CONNECTIONS / instances));
    // Each instance gets its own slice of the bodies, so the instances do not post the same rows.
    const slice = (i: number) => requests.filter((_, n) => n % instances === i);
    await Promise.all(children.map((child, i) => load(child.url, slice(i), WARMUP, share)));
    const loading = Promise.all(children.map((child, i) => load(child.url, slice(i), SECONDS, share)));
    const measured = cpuDuring(loading);
    const waits = await sampleWaits(url, loading);
    const { result: loads, cpu } = await measured;
    const logs = children.map((child) => child.stderr()).join('\n');
    const sum = (pick: (l: Load) => number) => loads.reduce((total, l) => total + pick(l), 0);
    return {
      instances,
      perSecond: sum((l) => l.perSecond),
      p50Ms: Math.max(...loads.map((l) => l.p50Ms)),
      p99Ms: Math.max(...loads.map((l) => l.p99Ms)),
      ok: sum((l) => l.ok),
      non2xx: sum((l) => l.non2xx),
      status5xx: sum((l) => l.status5xx),
      errors: sum((l) => l.errors),
      conflictLogLines: logs.split('\n').filter((line) => /deadlock|serializ/i.test(line)).length,
      failedAppends: logs.split('\n').filter((line) => /store append failed/.test(line)).length,
      waits,
      cpu,
      verified: await verified(url, children),
    };
  } finally {
    for (const child of children) await child.stop();
  }
}

/** Stop the instances, then check every session's view against a replay of the records. */
async function verified(url: string, children: Child[]): Promise<Verified> {
  for (const child of children) await child.stop();
  const store = await createPostgresStore(url);
  try {
    return await verifyViews(store);
  } finally {
    await store.close();
  }
}

const one: Scenario[] = [];
const two: Scenario[] = [];
const profDir = mkdtempSync(join(tmpdir(), 'bench-pg-prof-'));
let profile: ReturnType<typeof topSelfTime> = [];
const cluster = await startThrowawayCluster();
try {
  for (let i = 0; i < RUNS; i++) {
    for (const [instances, into] of [
      [1, one],
      [2, two],
    ] as const) {
      process.stderr.write(`bench pg: ${instances} instance(s), run ${i + 1}/${RUNS}\n`);
      const db = await cluster.createDatabase();
      try {
        into.push(await scenario(db.url, instances));
      } finally {
        await db.drop();
      }
    }
  }
  // One more run of two instances, each under --cpu-prof: where their time goes.
  process.stderr.write('bench pg: 2 instances under --cpu-prof\n');
  const db = await cluster.createDatabase();
  try {
    await scenario(db.url, 2, ['--cpu-prof', '--cpu-prof-dir', profDir]);
    profile = topSelfTime(profDir, 10);
  } finally {
    await db.drop();
  }
} finally {
  await cluster.stop();
  rmSync(profDir, { recursive: true, force: true });
}

const total = (runs: Scenario[], pick: (s: Scenario) => number) => runs.reduce((sum, s) => sum + pick(s), 0);
const o = medianRun(one);
const t = medianRun(two);
console.log(
  JSON.stringify({
    bench: 'pg',
    seconds: SECONDS,
    connections: CONNECTIONS,
    one: o,
    two: t,
    ratio: t.perSecond / o.perSecond,
    oneRuns: one.map((r) => Math.round(r.perSecond)),
    twoRuns: two.map((r) => Math.round(r.perSecond)),
    // Over every run of both scenarios, not only the medians.
    waits: { one: o.waits, two: t.waits },
    cpu: { one: o.cpu, two: t.cpu },
    verified: [...one, ...two].map((run) => run.verified),
    clientErrors: {
      status5xx: total([...one, ...two], (s) => s.status5xx),
      connectionErrors: total([...one, ...two], (s) => s.errors),
      conflictLogLines: total([...one, ...two], (s) => s.conflictLogLines),
      failedAppends: total([...one, ...two], (s) => s.failedAppends),
    },
    profile,
    runs: RUNS,
    machine: machine(),
  }),
);
