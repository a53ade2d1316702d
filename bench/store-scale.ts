/**
 * Benchmark: the service on a SQLite store of 1 000 000 sessions (`BENCH_SCALE_SESSIONS`).
 *
 * 1. Load: the seeded log generator's records (about ten per session: every kind, retried,
 *    reordered, correlated) appended through the store's own batch path (`Store.append`, 20 000
 *    records a call), not over HTTP. Cached in .bench/ and reused while the generator and the
 *    views' version are the same.
 * 2. Reads, on the real `serve` over that store: `GET /sessions` with each filter and order, a
 *    session by id, a deep page, the dashboard's first page; p50 / p99 over autocannon runs.
 *    `GET /events` without a resume point: time to the first byte and to the whole first page.
 * 3. Ingest: the service bench's load (autocannon, realistic deliveries) into a copy of the
 *    1 M-session store and into an empty store, alternating, medians.
 * 4. After each: every session's stored view equals a replay of every stored record.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../src/store/sqlite.js';
import { createViewKeeper } from '../src/store/views.js';
import {
  AUTH,
  type Child,
  type Delivery,
  deliveries,
  type Load,
  load,
  medianRun,
  serveArgs,
  startChild,
} from './load.js';
import { machine } from './measure.js';
import type { Read } from './report-scale.js';
import { verifyViews } from './verify.js';

const SESSIONS = Number(process.env.BENCH_SCALE_SESSIONS ?? 1_000_000);
const READ_SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 5);
const READ_CONNECTIONS = Number(process.env.BENCH_READ_CONNECTIONS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SERVICE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_SERVICE_CONNECTIONS ?? 32);
const BATCH = 20_000;
const version = createViewKeeper().version;
const CACHE = join('.bench', `store-${SESSIONS}.db`);
const say = (text: string) => process.stderr.write(`bench store-scale: ${text}\n`);

interface Loaded {
  readonly sessions: number;
  readonly records: number;
  readonly seconds: number;
  readonly bytes: number;
  /** When loading began and ended (ms): the views changed in between. */
  readonly from: number;
  readonly to: number;
}

/** Load the generator's log into a new store at `path`, through `Store.append`. */
async function loadStore(path: string): Promise<Loaded> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const store = createSqliteStore(path);
  const generator = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/generate-log.ts',
      '--records',
      String(SESSIONS * 20),
      '--sessions',
      String(SESSIONS),
      '--seed',
      '11',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const from = Date.now();
  let batch: { text: string }[] = [];
  let records = 0;
  let told = from;
  for await (const line of createInterface({ input: generator.stdout })) {
    // The generator cuts a line short now and then: the service would refuse it (not JSON).
    try {
      JSON.parse(line);
    } catch {
      continue;
    }
    batch.push({ text: line });
    if (batch.length >= BATCH) {
      await store.append(batch);
      records += batch.length;
      batch = [];
      if (Date.now() - told > 10_000) {
        told = Date.now();
        say(`loaded ${records} records (${Math.round(records / ((told - from) / 1000))}/s)`);
      }
    }
  }
  await store.append(batch);
  records += batch.length;
  const sessions = await store.countSessions();
  await store.close();
  const to = Date.now();
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const loaded: Loaded = { sessions, records, seconds: (to - from) / 1000, bytes: statSync(path).size, from, to };
  db.prepare("INSERT INTO meta (key, value) VALUES ('bench', ?)").run(JSON.stringify({ version, loaded }));
  db.close();
  return loaded;
}

/** The cached store, loaded again when missing or written by another version of the views. */
async function cachedStore(): Promise<Loaded & { cached: boolean }> {
  if (existsSync(CACHE)) {
    const db = new Database(CACHE, { readonly: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'bench'").get() as { value: string } | undefined;
    db.close();
    const bench = row && (JSON.parse(row.value) as { version: string; loaded: Loaded });
    if (bench?.version === version) return { ...bench.loaded, cached: true };
  }
  mkdirSync('.bench', { recursive: true });
  say(`loading ${SESSIONS} sessions into ${CACHE} (once; cached afterwards)`);
  return { ...(await loadStore(CACHE)), cached: false };
}

async function measureReads(url: string, name: string, paths: readonly string[]): Promise<Read> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: READ_CONNECTIONS,
    duration: READ_SECONDS,
    requests: [{ setupRequest: (request) => ({ ...request, method: 'GET', path: paths[next++ % paths.length] }) }],
  });
  const read = {
    name,
    perSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    bytesPerAnswer: result.throughput.total / Math.max(1, result.requests.total),
  };
  say(`${name}: p50 ${read.p50Ms} ms, p99 ${read.p99Ms} ms, ${Math.round(read.perSecond)}/s`);
  return read;
}

/** `GET /events` without a resume point: time to the first byte, and to the first page of views. */
async function measureEvents(url: string, times: number) {
  const firstByte: number[] = [];
  const firstPage: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    let views = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (text === '') firstByte.push(performance.now() - started);
      text += new TextDecoder().decode(value);
      views = text.split('event: view').length - 1;
      if (views >= 100) break;
    }
    firstPage.push(performance.now() - started);
    await reader.cancel();
  }
  const q = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))] as number;
  return {
    firstByteP50Ms: q(firstByte, 0.5),
    firstByteP99Ms: q(firstByte, 0.99),
    firstByteMaxMs: Math.max(...firstByte),
    firstPageP50Ms: q(firstPage, 0.5),
    firstPageP99Ms: q(firstPage, 0.99),
    times,
  };
}

/** Ids to read: spread over the store, from the generator's naming. */
const idOf = (index: number) => `s${index.toString(36).padStart(5, '0')}`;
const spread = (count: number) =>
  Array.from({ length: count }, (_, i) => idOf(Math.floor(((i * 7919) % count) * (SESSIONS / count))));

async function reads(
  path: string,
  loaded: Loaded,
): Promise<{ reads: Read[]; events: Awaited<ReturnType<typeof measureEvents>> }> {
  const child: Child = await startChild(serveArgs(path));
  try {
    const ids = spread(5000);
    const iso = (ms: number) => new Date(ms).toISOString();
    const late = loaded.from + 0.99 * (loaded.to - loaded.from);
    const list = (query: string) => [`/sessions?${query}`];
    const all: Read[] = [];
    const run = async (name: string, paths: readonly string[]) => all.push(await measureReads(child.url, name, paths));
    // Warm the service and the file cache a little, as a running service would be.
    await measureReads(
      child.url,
      'warm-up',
      ids.map((id) => `/sessions/${id}`),
    );
    all.length = 0;
    await run(
      'GET /sessions/{id}',
      ids.map((id) => `/sessions/${id}`),
    );
    await run('GET /sessions (first page, by id)', list('limit=50'));
    await run(
      'GET /sessions?after={id} (a page anywhere)',
      ids.map((id) => `/sessions?after=${id}&limit=50`),
    );
    await run('GET /sessions?status=ONBOARDING_FINISHED', list('status=ONBOARDING_FINISHED'));
    await run(
      'GET /sessions?status=ID_VALIDATION_FINISHED_SECOND_ID (rare)',
      list('status=ID_VALIDATION_FINISHED_SECOND_ID'),
    );
    await run('GET /sessions?decision=approved', list('decision=approved'));
    await run('GET /sessions?decision=conflict (rare)', list('decision=conflict'));
    await run('GET /sessions?anomalies=true', list('anomalies=true'));
    await run('GET /sessions?anomalies=false', list('anomalies=false'));
    await run('GET /sessions?changedSince= (the last 1 %)', list(`changedSince=${iso(late)}`));
    await run('GET /sessions?changedSince= (all)', list(`changedSince=${iso(loaded.from)}`));
    await run(
      'GET /sessions?prefix=',
      ids.slice(0, 500).map((id) => `/sessions?prefix=${id.slice(0, 4)}`),
    );
    await run(
      'GET /sessions?status=…&decision=…&anomalies=…',
      list('status=MANUAL_REVIEW_APPROVED&decision=approved&anomalies=true'),
    );
    await run('dashboard: GET /sessions?order=recent (first page)', list('order=recent&limit=50'));
    await run(
      'dashboard: GET /sessions?order=recent&decision=rejected',
      list('order=recent&decision=rejected&limit=50'),
    );
    await run('dashboard: GET / (the page)', ['/']);
    const events = await measureEvents(child.url, 30);
    say(
      `GET /events: first byte p99 ${events.firstByteP99Ms.toFixed(1)} ms, first page p99 ${events.firstPageP99Ms.toFixed(1)} ms`,
    );
    return { reads: all, events };
  } finally {
    await child.stop();
  }
}

async function ingest(path: string, requests: Delivery[]): Promise<Load> {
  const child = await startChild(serveArgs(path));
  try {
    await load(child.url, requests, 2, CONNECTIONS);
    return await load(child.url, requests, SECONDS, CONNECTIONS);
  } finally {
    await child.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
try {
  const loaded = await cachedStore();
  say(
    `store: ${loaded.sessions} sessions, ${loaded.records} records, ${Math.round(loaded.bytes / 2 ** 20)} MB${loaded.cached ? ' (cached)' : ''}`,
  );
  // BENCH_SCALE_LOAD_ONLY=1: make the cached store and stop (to load it ahead of a quiet run).
  if (process.env.BENCH_SCALE_LOAD_ONLY === '1') process.exit(0);
  const measured = await reads(CACHE, loaded);
  // Ingest into a copy of the big store, and into empty ones, alternating.
  const big = join(dir, 'big.db');
  copyFileSync(CACHE, big);
  // Written to disk before the runs: otherwise the copy's gigabytes of dirty pages are written
  // back during the first runs, beside the service's fsyncs, and the comparison measures that.
  const fd = openSync(big, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  const full: Load[] = [];
  const empty: Load[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Each run posts to sessions no store holds yet (renamed apart), the same in both: the
    // comparison is of the stores' sizes, not of the sessions' (a replay costs their size).
    const requests = deliveries(20_000, `n${i}-`);
    say(`ingest run ${i + 1}/${RUNS}: ${loaded.sessions} sessions stored`);
    full.push(await ingest(big, requests));
    say(`ingest run ${i + 1}/${RUNS}: empty store`);
    empty.push(await ingest(join(dir, `empty-${i}.db`), requests));
  }
  say('views equal a replay: the empty store of the last run');
  const small = createSqliteStore(join(dir, `empty-${RUNS - 1}.db`));
  const verifiedEmpty = await verifyViews(small);
  await small.close();
  say('views equal a replay: the big store after its ingest runs (every session)');
  const large = createSqliteStore(big);
  const verifiedBig = await verifyViews(large);
  await large.close();
  const f = medianRun(full);
  const e = medianRun(empty);
  console.log(
    JSON.stringify({
      bench: 'store-scale',
      loaded,
      readSeconds: READ_SECONDS,
      readConnections: READ_CONNECTIONS,
      reads: measured.reads,
      events: measured.events,
      ingest: {
        full: f,
        empty: e,
        ratio: f.perSecond / e.perSecond,
        fullRuns: full.map((r) => Math.round(r.perSecond)),
        emptyRuns: empty.map((r) => Math.round(r.perSecond)),
        seconds: SECONDS,
        connections: CONNECTIONS,
      },
      verified: { empty: verifiedEmpty, big: verifiedBig },
      auth: AUTH.name,
      machine: machine(),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
