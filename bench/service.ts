/**
 * Benchmark 3: durable service ingest. The real `onboarding-status serve` (SQLite in a temp dir,
 * a static auth header) loaded on loopback by autocannon with a rotating set of realistic
 * deliveries, beside a bare node:http baseline that group-commits the same rows to SQLite
 * (bench/service-baseline.ts), loaded identically, alternating, medians over BENCH_RUNS runs.
 * Then one more run of `serve` under `--cpu-prof`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../src/store/sqlite.js';
import { cpuDuring } from './cpu.js';
import { AUTH_HEADER, type Child, deliveries, type Load, load, medianRun, serveArgs, startChild } from './load.js';
import { machine } from './measure.js';
import { topSelfTime } from './profile.js';
import { type Verified, verifyViews } from './verify.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SERVICE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_SERVICE_CONNECTIONS ?? 32);
const WARMUP = 2;

// Enough sessions that a 10 s run adds about one round of deliveries to each, as real traffic would.
const requests = deliveries(20_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-service-'));

async function measure(name: string, args: string[]): Promise<Load & { cpu: Record<string, number> }> {
  let child: Child | undefined;
  try {
    child = await startChild(args);
    await load(child.url, requests, WARMUP, CONNECTIONS);
    process.stderr.write(`bench service: ${name}\n`);
    const { result, cpu } = await cpuDuring(load(child.url, requests, SECONDS, CONNECTIONS));
    return { ...result, cpu };
  } finally {
    await child?.stop();
  }
}

const serve: (Load & { cpu: Record<string, number> })[] = [];
const baseline: (Load & { cpu: Record<string, number> })[] = [];
const verified: Verified[] = [];
/** After a run: every session's view in the store `serve` wrote equals a replay of its records. */
async function verify(path: string): Promise<void> {
  const store = createSqliteStore(path);
  verified.push(await verifyViews(store));
  await store.close();
}
let profile: ReturnType<typeof topSelfTime> = [];
try {
  for (let i = 0; i < RUNS; i++) {
    serve.push(await measure(`serve run ${i + 1}/${RUNS}`, serveArgs(join(dir, `serve-${i}.db`))));
    await verify(join(dir, `serve-${i}.db`));
    baseline.push(
      await measure(`baseline run ${i + 1}/${RUNS}`, [
        '--import',
        'tsx',
        'bench/service-baseline.ts',
        join(dir, `baseline-${i}.db`),
        AUTH_HEADER,
      ]),
    );
  }
  const profDir = join(dir, 'prof');
  await measure(
    'serve under --cpu-prof',
    serveArgs(join(dir, 'profiled.db'), ['--cpu-prof', '--cpu-prof-dir', profDir]),
  );
  profile = topSelfTime(profDir, 10);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const s = medianRun(serve);
const b = medianRun(baseline);
console.log(
  JSON.stringify({
    bench: 'service',
    seconds: SECONDS,
    connections: CONNECTIONS,
    bodies: requests.length,
    serve: s,
    baseline: b,
    ratio: s.perSecond / b.perSecond,
    serveRuns: serve.map((r) => Math.round(r.perSecond)),
    baselineRuns: baseline.map((r) => Math.round(r.perSecond)),
    profile,
    verified,
    runs: RUNS,
    machine: machine(),
  }),
);
