/**
 * Group commit against one commit per request, measured two ways:
 *   npx tsx scripts/bench-group-commit.ts [requests] [concurrency]
 * 1. the SQLite store alone: `concurrency` appends in flight at a time;
 * 2. over HTTP: a `serve`-like server in a child process, `concurrency` clients posting webhooks.
 * A measurement, not a test: the numbers depend on the disk (each commit is an fsync).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebhookHandler } from '../src/service/handler.js';
import { ServiceMetrics } from '../src/service/metrics.js';
import { startServer } from '../src/service/server.js';
import { createSqliteStore } from '../src/store/sqlite.js';

const requests = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 64);

const body = (n: number) => ({
  interviewId: `s${n % 100}`,
  onboardingStatus: 'ID_VALIDATION_FINISHED',
  externalId: `d${n}`,
});

async function pool(total: number, width: number, task: (n: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) await task(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function storeAlone(dir: string, groupCommit: boolean): Promise<string> {
  const commits: number[] = [];
  const store = createSqliteStore(join(dir, `store-${groupCommit}.db`), {
    groupCommit,
    onCommit: (size) => commits.push(size),
  });
  const rate = await pool(requests, concurrency, async (n) => {
    const record = { kind: 'onboarding-status', receivedAt: new Date(n).toISOString(), body: body(n) };
    await store.append([{ text: JSON.stringify(record) }]);
  });
  await store.close();
  const mean = commits.reduce((a, b) => a + b, 0) / commits.length;
  return `${Math.round(rate)} records/s, ${commits.length} commits, ${mean.toFixed(1)} records per commit`;
}

async function overHttp(dir: string, groupCommit: boolean): Promise<string> {
  const child = fork(process.argv[1] as string, ['--serve', join(dir, `http-${groupCommit}.db`), String(groupCommit)], {
    execArgv: ['--import', 'tsx'],
  });
  const url = await new Promise<string>((resolve) => child.once('message', (m) => resolve(String(m))));
  const rate = await pool(requests, concurrency, async (n) => {
    const response = await fetch(`${url}/webhooks/onboarding-status`, {
      method: 'POST',
      body: JSON.stringify(body(n)),
    });
    if (response.status !== 204) throw new Error(`status ${response.status}`);
  });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  child.kill('SIGTERM');
  const count = Number(/onboarding_commit_group_size_count (\d+)/.exec(metrics)?.[1]);
  const sum = Number(/onboarding_commit_group_size_sum (\d+)/.exec(metrics)?.[1]);
  const commitSeconds = Number(/onboarding_commit_seconds_sum (\S+)/.exec(metrics)?.[1]);
  return `${Math.round(rate)} requests/s, ${count} commits, ${(sum / count).toFixed(1)} records per commit, ${((commitSeconds / count) * 1000).toFixed(2)} ms per commit`;
}

if (process.argv[2] === '--serve') {
  const metrics = new ServiceMetrics();
  const store = createSqliteStore(process.argv[3] as string, {
    groupCommit: process.argv[4] === 'true',
    onCommit: (size, ms) => metrics.commit(size, ms),
  });
  const server = await startServer(createWebhookHandler({ store, metrics }), 0, '127.0.0.1');
  process.send?.(server.url);
  process.on('SIGINT', () => process.exit(0));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  try {
    console.log(`${requests} deliveries, ${concurrency} in flight, SQLite WAL synchronous=FULL in ${dir}`);
    console.log(`store, one commit per append: ${await storeAlone(dir, false)}`);
    console.log(`store, group commit:          ${await storeAlone(dir, true)}`);
    console.log(`HTTP,  one commit per request: ${await overHttp(dir, false)}`);
    console.log(`HTTP,  group commit:           ${await overHttp(dir, true)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
