/**
 * `npm run bench`: runs every benchmark script (each prints one JSON line), then writes
 * docs/benchmarks.md with each figure beside the baseline measured in the same run, the
 * command, the machine, and the targets of the benchmarks issue.
 *
 * BENCH_ONLY=core,replay runs a subset (the report keeps the other sections from the last run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { machine } from './measure.js';
import { cpuLine, verifiedLine, waitsLine } from './report-checks.js';
import { fmt, ms, num, verdict } from './report-format.js';
import { renderScale, scaleTargets } from './report-scale.js';

interface Section {
  readonly name: string;
  readonly script: string;
  readonly render: (result: Record<string, unknown>) => string;
  /** Node flags beyond the defaults (a large heap, say). */
  readonly flags?: readonly string[];
}

const ratio = (n: unknown) => (typeof n === 'number' ? `${n.toFixed(1)}×` : String(n));
const mb = (bytes: unknown) => `${Math.round(num(bytes) / 2 ** 20).toLocaleString('en-US')} MB`;
const pct = (v: number) => `${Math.round(v * 100)} %`;
/** How far a figure is from its target: "61 % short (78,000 of 200,000)". */
const short = (value: number, target: number, unit = '') =>
  value >= target ? '' : `: ${fmt(value)}${unit}, ${pct(1 - value / target)} short of ${fmt(target)}${unit}`;
const over = (value: number, limit: number, unit: string) =>
  value <= limit ? '' : `: ${fmt(value)}${unit}, ${pct(value / limit - 1)} over ${fmt(limit)}${unit}`;
const group = (r: Record<string, unknown>, key: string) => (r[key] ?? {}) as Record<string, unknown>;
const loadNote = (r: Record<string, unknown>) =>
  Array.isArray(r.loadavg)
    ? `Load average when the section started: ${(r.loadavg as number[]).map((n) => n.toFixed(2)).join(', ')}.`
    : '';
/** The top self-time functions of a CPU profile, as a list. */
function profileList(r: Record<string, unknown>): string {
  const rows = (r.profile ?? []) as { fn: string; selfPercent: number }[];
  if (rows.length === 0) return '(no profile recorded)';
  return rows.map((row) => `  - ${row.selfPercent.toFixed(1)} % \`${row.fn}\``).join('\n');
}

// What the profiles show and what would close the gaps (written from the profiles and runs of
// the work committed with this file; the figures beside them are rendered from each run).
const REPLAY_NOTE = `Three things. First, this machine: its two vCPUs do not do two cores' work. Two copies of a
CPU-bound loop run together take about 1.75× as long as one alone (measured the same day). So two worker
threads, with the main thread reading and dealing the lines beside them, cannot do two threads' work: the
default rows above run about 1.3–1.45× as fast as the \`--jobs 1\` rows (1.45× in the quietest run we had),
not 2×. The work splits with nothing shared between workers but the input, so real cores should scale it.

Second, what is left per record is spread thin (see the profile): about a sixth is garbage collection;
\`JSON.parse\`, which the baseline pays too, under a tenth; the rest of parsing (the body's fields, the
delivery key hashed from the canonical body, the times) about as much; folding into the packed session
less; and writing each session's view (its records through the machines, each anomaly with its sentence,
the JSON) about a quarter. The baseline does none of the last three. What would close it: views written
straight to JSON without building the view object first; the delivery key hashed from a line's bytes when
the body is already canonical; events for the machines without an object per record.

Third, memory: three V8 isolates with the core loaded take about 85 MB before the first record (zod is
no longer loaded to read records, which saved about 13 MB a thread). The sessions themselves are about
60 MB packed (100 000 × about 530 bytes, and their correlation ids). The rest is the young generations
(8 MB a worker; up to 32 MB on the main thread, which a process cannot limit on its own thread once
started) and garbage not yet collected. Running with \`node --optimize-for-size\` reached about 220 MB for
25 % more CPU; a main thread with a small young generation (\`--max-semi-space-size\` given to node) would
take about 30 MB off.`;
/**
 * The earlier cores measured by the very same script, on this machine (a checkout of the commit,
 * \`BENCH_CORE=<checkout>/src/index.ts node --import tsx bench/memory.ts\`), 2026-12-02.
 */
const OLD_CORES: [string, number][] = [
  ['the core before the mergeable state (9d1ea12)', 4395],
  ['the mergeable core this work started from (97869e4)', 1590],
];
const SCALE_NOTE = `The fold of the larger log is the same work as the smaller one's, partitioned: each worker writes its
sessions to temporary files when they pass its budget, then folds each partition in memory. What it adds is
writing and reading the packed sessions (about 20 bytes a record) and the records naming no session, tied
a few thousand at a time. Peak RSS is the baseline of three isolates, each worker's budget of sessions, and
garbage. A miss here would come from a machine busier during this run than during the smaller one's.`;
const CORE_NOTE = `**Why not, and what would close it.** The reducer does more for each record than \`transition()\`: it
keeps the session a set ordered by receivedAt (a binary search and an insert in the session's atoms, so
copies collapse and a late record takes its place), and the replay builds each record's event for the
three machines and counts copies and refetches. The records are interleaved at random over 12 000
sessions. A CPU profile of the reducer alone spends about a sixth in garbage collection and the rest
thinly: applying the record (\`atomOf\`, \`applyInPlace\`), the replay's bookkeeping, the compiled \`step\`.
What would close it: events the machines read without an object per record (the guards' verdict cache
keys on the event object; keyed on context, type and time it could take one reused event), and each
session's atoms in a typed array rather than a list of numbers. The \`Ledger\`'s fold is slower still:
it appends each record to its session's packed form, a copy of the session's bytes per record, which is
the price of about 530 bytes a session at rest (section 1b). The 25× ratio over \`transition()\` holds.`;
const SERVICE_NOTE = `\`serve\` is bound by its one thread: in the CPU figures above it uses about one core while the
machine stays about half idle, the baseline a little less for three times the deliveries. Per delivery the thread
makes a web-standard \`Request\` (undici: a \`ReadableStream\` body, \`Headers\`), has the core read the record
(\`parseRecord\`), and in the commit, besides the record, merges the session's stored state and replays it for its
view (\`summarize\`: O(the session's records)), then writes the view row and its indexes; \`sqliteTransaction\`
is the commit itself (WAL, \`synchronous=FULL\`), which blocks the thread. The baseline does the insert alone.

What would close it: (1) the store in a worker thread that owns the SQLite connection and the views, so the
commit, its fsync and the replays run beside the HTTP work on the second core; (2) a replay the core can resume
(the machines' state and judgements after the last record, kept with the state), so an in-order delivery steps
once instead of replaying its session; (3) a server path that reads a webhook's body into
one buffer without the web-standard \`Request\` / \`ReadableStream\` round trip.`;
const PG_NOTE = `A single instance is not bound by the CPU (see the CPU figures: the machine is well below full) but by
the latency of its commits: one group commit in flight at a time, several round trips each (BEGIN with the
correlation ids' locks, the sessions' view rows locked and read, the insert with the views, COMMIT; more when a
record can move others between sessions), then the WAL flush. A second instance adds commits in parallel (no
lock is shared by all sessions: \`Lock:transactionid\` waits are rows of sessions both instances write at once),
but on two cores it has little CPU to add: with both, the machine is nearly full, each instance's groups are
half as large (twice the commits, round trips and WAL flushes for the same deliveries: \`IO:WALSync\` grows), and
the wait events show PostgreSQL's sessions mostly waiting for the instances (\`Client:ClientRead\`).

What would close it: (1) cores for the second instance (4 or more: the load generator, PostgreSQL and two
instances share two here); (2) fewer round trips per commit (a client that pipelines, or the locking and reading
done by one server-side function); (3) \`commit_delay\` on the server, so the WAL flushes of concurrent commits
are shared.`;

const SECTIONS: Section[] = [
  {
    name: 'core',
    script: 'bench/core.ts',
    render: (r) => `## 1. Core reducer, on already-parsed records

${fmt(r.records)} records over ${fmt(r.sessions)} sessions: every kind, out of order, retried, with stale polls
(the laws' history generator), interleaved across sessions at random. The reducer applies each record to
its session's state in place (copies collapse, the order received is kept), then runs each session's
records through the compiled machines to where they stand; \`transition()\` is given the same records'
events as they come. A \`Ledger\` (what \`replay\` and the service use: sessions packed at rest, records
naming no session tied) folds the same records. Median of ${fmt(r.runs)} runs after a warm-up.
${loadNote(r)}

| path | records/s | vs XState \`transition()\` |
|---|---:|---:|
| reducer: applied in place, then the compiled machines | ${fmt(r.reducerPerSecond)} | ${ratio(r.ratioToTransition)} |
| a \`Ledger\`'s fold (packed at rest) | ${fmt(r.foldPerSecond)} | |
| a \`Ledger\`'s fold and every session's full view (anomalies and their messages) | ${fmt(r.viewsPerSecond)} | |
| baseline: XState \`transition()\` on the same records, same machines | ${fmt(r.xstateTransitionPerSecond)} | 1.0× |
| XState long-lived actors, one per machine and session | ${fmt(r.xstateActorPerSecond)} | ${ratio(num(r.xstateActorPerSecond) / num(r.xstateTransitionPerSecond))} |

Targets: at least 1 000 000 records/s (${verdict(num(r.reducerPerSecond) >= 1_000_000)}${short(num(r.reducerPerSecond), 1_000_000, '/s')}), at least 25× \`transition()\` (${verdict(num(r.ratioToTransition) >= 25)}).
${num(r.reducerPerSecond) >= 1_000_000 ? '' : `\n${CORE_NOTE}\n`}
`,
  },
  {
    name: 'memory',
    script: 'bench/memory.ts',
    render: (r) => `## 1b. A session at rest

The bench workload (section 1's generator: whole histories of ${fmt(num(r.records) / num(r.sessions))} records a session on
average, with noise, polls, watchlist refs, records tied by correlation ids) written as a log and read
line by line into a \`Ledger\`, as \`replay\` reads a file (\`bench/memory.ts\`): \`heapUsed\` and array buffers
after a full garbage collection, before and after, over ${fmt(r.sessions)} sessions.

| core | bytes a session at rest |
|---|---:|
| this one | ${fmt(r.bytesPerSession)} |
| ${OLD_CORES.map(([name, bytes]) => `${name} | ${fmt(bytes)}`).join(' |\n| ')} |

Target: at most 600 bytes (${verdict(num(r.bytesPerSession) <= 600)}${over(num(r.bytesPerSession), 600, ' B')}).
`,
  },
  {
    name: 'replay',
    script: 'bench/replay.ts',
    render: (r) => {
      const base = group(r, 'baseline');
      const validate = group(r, 'validate');
      const replay = group(r, 'replay');
      const slower = Math.min(num(validate.perSecond), num(replay.perSecond));
      const ratioLow = Math.min(num(r.validateRatio), num(r.replayRatio));
      const rss = Math.max(num(validate.maxRssBytes), num(replay.maxRssBytes));
      const met = { rate: slower >= 200_000, ratio: ratioLow >= 0.5, rss: rss <= 200 * 2 ** 20 };
      const row = (label: string, g: Record<string, unknown>, q?: number) =>
        `| ${label} | ${fmt(g.perSecond)} | ${g.seconds} | ${(g.runs as number[]).join(', ')} | ${(q ?? num(g.perSecond) / num(base.perSecond)).toFixed(2)}× | ${mb(g.maxRssBytes)} |`;
      const one = (key: string, label: string) => (r[key] ? `\n${row(label, group(r, key))}` : '');
      return `## 2. replay / validate, end to end

\`${r.log}\` (cached; \`scripts/generate-log.ts --records 1000000 --sessions ${String(r.sessions)} --seed 6\`): ${fmt(r.records)} records over ${fmt(r.sessions)}
sessions (the generator stops when the last session ends, just short of 1 000 000), ${fmt(num(r.records) - num(r.envelopeValid))} of them malformed
or truncated on purpose. Each command is spawned as \`node dist/src/cli/main.js …\` with its output to /dev/null
under \`/usr/bin/time -v\` (peak RSS = its "Maximum resident set size"), with the default options (one worker
thread per core, here ${String(group(r, 'machine').cores)}, and the default memory budget), then with \`--jobs 1\`. Median of ${fmt(r.runs)} runs.
${loadNote(r)}

| command | records/s | seconds (median) | runs (s) | vs baseline | peak RSS |
|---|---:|---:|---|---:|---:|
${row('`onboarding-status validate LOG`', validate, num(r.validateRatio))}
${row('`onboarding-status replay --json LOG`', replay, num(r.replayRatio))}${one('validateOneJob', '`validate --jobs 1 LOG`')}${one('replayOneJob', '`replay --json --jobs 1 LOG`')}
| baseline: read lines, \`JSON.parse\`, zod envelope check, one thread (\`bench/replay-baseline.ts\`) | ${fmt(base.perSecond)} | ${base.seconds} | ${(base.runs as number[]).join(', ')} | 1.00× | ${mb(base.maxRssBytes)} |

Targets: at least 200 000 records/s (${verdict(met.rate)}${short(slower, 200_000, '/s')}), at least 0.5× the baseline
(${verdict(met.ratio)}${ratioLow >= 0.5 ? '' : `: ${ratioLow.toFixed(2)}×, ${pct(1 - ratioLow / 0.5)} short`}), peak RSS at most 200 MB (${verdict(met.rss)}${over(Math.round(rss / 2 ** 20), 200, ' MB')}).
${
  met.rate && met.ratio && met.rss
    ? ''
    : `
**Why not, and what would close it.** A CPU profile of one \`validate\` run (\`node --cpu-prof dist/src/cli/main.js validate LOG\`),
top self time of its busiest thread:

${profileList(r)}

${REPLAY_NOTE}
`
}`;
    },
  },
  {
    name: 'scale',
    script: 'bench/scale.ts',
    render: (r) => {
      const small = results.get('replay');
      const rate = (g: Record<string, unknown>) => num(g.perSecond);
      const rss = Math.max(num(group(r, 'validate').maxRssBytes), num(group(r, 'replay').maxRssBytes));
      const within = ['validate', 'replay'].map((name) =>
        small ? rate(group(r, name)) / rate(group(small, name)) : Number.NaN,
      );
      const worst = Math.min(...within);
      return `## 2b. A log ten times larger, in bounded memory

\`${r.log}\` (generated, not committed: \`scripts/generate-log.ts --records 10000000 --sessions ${String(r.sessions)} --seed 6\`, about
1.4 GB): ${fmt(r.records)} records over ${fmt(r.sessions)} sessions, which do not fit the default memory budget, so each worker
partitions its sessions to temporary files and folds them a partition at a time. One run each, default options.
${loadNote(r)}

| command | records/s | seconds | rate vs the 1 M-record log | peak RSS |
|---|---:|---:|---:|---:|
| \`validate LOG\` | ${fmt(group(r, 'validate').perSecond)} | ${group(r, 'validate').seconds} | ${within[0].toFixed(2)}× | ${mb(group(r, 'validate').maxRssBytes)} |
| \`replay --json LOG\` | ${fmt(group(r, 'replay').perSecond)} | ${group(r, 'replay').seconds} | ${within[1].toFixed(2)}× | ${mb(group(r, 'replay').maxRssBytes)} |
| baseline (as in section 2) | ${fmt(group(r, 'baseline').perSecond)} | ${group(r, 'baseline').seconds} | | ${mb(group(r, 'baseline').maxRssBytes)} |

Targets: peak RSS at most 400 MB (${verdict(rss <= 400 * 2 ** 20)}${over(Math.round(rss / 2 ** 20), 400, ' MB')}), a rate within 30 % of the 1 M-record rate (${verdict(worst >= 0.7)}${worst >= 0.7 ? '' : `: ${worst.toFixed(2)}×`}).
${rss <= 400 * 2 ** 20 && worst >= 0.7 ? '' : `\n${SCALE_NOTE}\n`}`;
    },
  },
  {
    name: 'service',
    script: 'bench/service.ts',
    render: (r) => {
      const serve = group(r, 'serve');
      const base = group(r, 'baseline');
      const met = {
        rate: num(serve.perSecond) >= 15_000,
        p99: num(serve.p99Ms) <= 20,
        ratio: num(r.ratio) >= 0.7,
      };
      return `## 3. Service ingest, durable

\`onboarding-status serve --store DIR/x.db --auth-header '…'\` (SQLite, WAL, \`synchronous=FULL\`, group commit) on
127.0.0.1, loaded from the same machine by autocannon (\`bench/load.ts\`, in the benchmark's process) with
${fmt(r.connections)} connections for ${fmt(r.seconds)} s after a 2 s warm-up, posting a rotation of ${fmt(r.bodies)} realistic deliveries
(every webhook kind, from \`scripts/generate-log.ts\`), each carrying the auth header. Baseline: bare
\`node:http\` that checks the header, parses the body and group-commits the same rows (record id, session id,
record text) to SQLite, one transaction per event-loop turn (\`bench/service-baseline.ts\`), loaded identically,
the two alternating. Median of ${fmt(r.runs)} runs (runs: serve ${(r.serveRuns as number[]).map(fmt).join(', ')}/s; baseline ${(r.baselineRuns as number[]).map(fmt).join(', ')}/s).
${loadNote(r)}

| server | webhooks/s (2xx) | p50 | p99 | non-2xx | errors | vs baseline |
|---|---:|---:|---:|---:|---:|---:|
| \`onboarding-status serve\` | ${fmt(serve.perSecond)} | ${ms(serve.p50Ms)} | ${ms(serve.p99Ms)} | ${fmt(serve.non2xx)} | ${fmt(serve.errors)} | ${num(r.ratio).toFixed(2)}× |
| baseline: bare \`node:http\` + group commit | ${fmt(base.perSecond)} | ${ms(base.p50Ms)} | ${ms(base.p99Ms)} | ${fmt(base.non2xx)} | ${fmt(base.errors)} | 1.00× |

${verifiedLine(r.verified)}

CPU during the load (the median runs; "serve" is the server under test, baseline or not):
${cpuLine('- serve', serve.cpu)}
${cpuLine('- baseline', base.cpu)}

Targets: at least 15 000 webhooks/s (${verdict(met.rate)}${short(num(serve.perSecond), 15_000, '/s')}), p99 at most 20 ms
(${verdict(met.p99)}${over(num(serve.p99Ms), 20, ' ms')}), at least 0.7× the baseline (${verdict(met.ratio)}${met.ratio ? '' : `: ${num(r.ratio).toFixed(2)}×, ${pct(1 - num(r.ratio) / 0.7)} short`}).
${
  met.rate && met.p99 && met.ratio
    ? ''
    : `
**Why not, and what would close it.** A CPU profile of \`serve\` under the same load
(\`node --cpu-prof dist/src/cli/main.js serve …\`), top self time:

${profileList(r)}

${SERVICE_NOTE}
`
}`;
    },
  },
  {
    name: 'pg',
    script: 'bench/pg-instances.ts',
    render: (r) => {
      const one = group(r, 'one');
      const two = group(r, 'two');
      const errors = group(r, 'clientErrors');
      const reached = num(errors.status5xx) + num(errors.conflictLogLines) + num(errors.failedAppends);
      const met = { ratio: num(r.ratio) >= 1.3, errors: reached === 0 };
      return `## 4. Two instances on one PostgreSQL

A throwaway PostgreSQL cluster (\`test/support/pg-cluster.ts\`: \`initdb\` in a temp dir, fsync on, defaults), a fresh
database per run; \`onboarding-status serve --store postgres://…\` once, then twice on the same database. The same
autocannon load as section 3: ${fmt(r.connections)} connections in all (split evenly between the instances), ${fmt(r.seconds)} s after a 2 s
warm-up, each instance posting its own slice of the deliveries. Median of ${fmt(r.runs)} runs (runs: one ${(r.oneRuns as number[]).map(fmt).join(', ')}/s;
two ${(r.twoRuns as number[]).map(fmt).join(', ')}/s).
${loadNote(r)}

| instances | webhooks/s (2xx) | p50 | p99 (worst instance) | vs one instance |
|---|---:|---:|---:|---:|
| two \`serve\` on one database | ${fmt(two.perSecond)} | ${ms(two.p50Ms)} | ${ms(two.p99Ms)} | ${num(r.ratio).toFixed(2)}× |
| baseline: one \`serve\` | ${fmt(one.perSecond)} | ${ms(one.p50Ms)} | ${ms(one.p99Ms)} | 1.00× |

Errors that reached a client, over every run of both: ${fmt(errors.status5xx)} responses 5xx, ${fmt(errors.connectionErrors)} connection
errors or timeouts; in the servers' logs ${fmt(errors.failedAppends)} failed appends and ${fmt(errors.conflictLogLines)} lines naming a deadlock or a
serialization failure.

PostgreSQL's wait events of the instances' sessions during the load:
${waitsLine('- one instance', group(r, 'waits').one)}
${waitsLine('- two instances', group(r, 'waits').two)}

CPU during the load:
${cpuLine('- one instance', group(r, 'cpu').one)}
${cpuLine('- two instances', group(r, 'cpu').two)}

${verifiedLine(r.verified)}

Targets: two instances at least 1.3× one (${verdict(met.ratio)}${met.ratio ? '' : `: ${num(r.ratio).toFixed(2)}×, ${pct(1 - num(r.ratio) / 1.3)} short`}), no deadlock or serialization error
reaching a client (${verdict(met.errors)}).
${
  met.ratio
    ? ''
    : `
**Why not, and what would close it.** A CPU profile of one of the two instances under that load, top self time:

${profileList(r)}

${PG_NOTE}
`
}`;
    },
  },
  {
    name: 'install',
    script: 'bench/install.ts',
    render: (r) => {
      const ci = group(r, 'npmCi');
      const test = group(r, 'npmTest');
      return `## 5. Install and test time

In a temporary \`git clone\` of ${String(r.commit).slice(0, 12)} (removed afterwards), timed once each (minutes per run; \`BENCH_ONLY\`
without \`install\` skips it and keeps the last figures). No target: the figures are reported.
${loadNote(r)}

| step | seconds | exit code | notes |
|---|---:|---:|---|
| \`npm ci --no-audit --no-fund\` | ${num(ci.seconds).toFixed(1)} | ${ci.exitCode} | |
| \`npm test\` (system deps check, typecheck, lint, build, vitest) | ${num(test.seconds).toFixed(1)} | ${test.exitCode} | ${[
        test.files && `files: ${test.files}`,
        test.tests && `tests: ${test.tests}`,
        test.vitestDuration && `vitest: ${test.vitestDuration}`,
      ]
        .filter(Boolean)
        .join('; ')
        .replaceAll('|', '·')} |
| (the clone itself) | ${num(r.cloneSeconds).toFixed(1)} | | |
${test.exitCode === 0 ? '' : `\n\`npm test\` failed in the clone; the end of its output:\n\n\`\`\`\n${String(test.tail ?? '').slice(-700)}\n\`\`\`\n`}`;
    },
  },
  {
    name: 'store-scale',
    script: 'bench/store-scale.ts',
    flags: ['--max-old-space-size=12288'],
    render: (r) => renderScale(r, loadNote(r)),
  },
];

const only = process.env.BENCH_ONLY?.split(',');
const outDir = '.bench';
mkdirSync(outDir, { recursive: true });
for (const section of SECTIONS) {
  if (only && !only.includes(section.name)) continue;
  process.stderr.write(`bench: ${section.name}…\n`);
  const started = os.loadavg();
  const flags = ['--max-semi-space-size=64', ...(section.flags ?? [])];
  const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', section.script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.trim().split('\n').pop() ?? '{}';
  const result = { ...(JSON.parse(line) as Record<string, unknown>), loadavg: started };
  writeFileSync(`${outDir}/${section.name}.json`, `${JSON.stringify(result)}\n`);
}

const results = new Map<string, Record<string, unknown>>();
for (const section of SECTIONS) {
  const file = `${outDir}/${section.name}.json`;
  if (existsSync(file)) results.set(section.name, JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
}

/** One row per headline figure: the figure, its baseline, the target, met or not. */
function summary(): string {
  const rows: string[] = [];
  const row = (section: string, figure: string, baseline: string, target: string, ok: boolean) =>
    rows.push(`| ${section} | ${figure} | ${baseline} | ${target} | ${verdict(ok)} |`);
  const core = results.get('core');
  if (core) {
    row(
      '1. core',
      `${fmt(core.reducerPerSecond)} records/s`,
      `XState \`transition()\` ${fmt(core.xstateTransitionPerSecond)}/s`,
      '≥ 1 000 000/s',
      num(core.reducerPerSecond) >= 1_000_000,
    );
    row('1. core', `${ratio(core.ratioToTransition)} XState`, '', '≥ 25×', num(core.ratioToTransition) >= 25);
  }
  const memory = results.get('memory');
  if (memory) {
    row(
      '1b. memory',
      `${fmt(memory.bytesPerSession)} B a session at rest`,
      `earlier core ${fmt(OLD_CORES[0][1])} B`,
      '≤ 600 B',
      num(memory.bytesPerSession) <= 600,
    );
  }
  const replay = results.get('replay');
  if (replay) {
    const base = group(replay, 'baseline');
    for (const name of ['validate', 'replay'] as const) {
      const r = group(replay, name);
      const label = name === 'replay' ? 'replay --json' : name;
      row(
        `2. ${label}`,
        `${fmt(r.perSecond)} records/s`,
        `parse + zod ${fmt(base.perSecond)}/s`,
        '≥ 200 000/s',
        num(r.perSecond) >= 200_000,
      );
      const q = num(replay[`${name}Ratio`]);
      row(`2. ${label}`, `${q.toFixed(2)}× baseline`, '', '≥ 0.5×', q >= 0.5);
      row(
        `2. ${label}`,
        `peak RSS ${mb(r.maxRssBytes)}`,
        `baseline ${mb(base.maxRssBytes)}`,
        '≤ 200 MB',
        num(r.maxRssBytes) <= 200 * 2 ** 20,
      );
    }
  }
  const scale = results.get('scale');
  if (scale) {
    const peak = Math.max(num(group(scale, 'validate').maxRssBytes), num(group(scale, 'replay').maxRssBytes));
    row(
      '2b. 10 M records',
      `peak RSS ${mb(peak)}`,
      `baseline ${mb(group(scale, 'baseline').maxRssBytes)}`,
      '≤ 400 MB',
      peak <= 400 * 2 ** 20,
    );
    const small = results.get('replay');
    const worst = Math.min(
      ...['validate', 'replay'].map(
        (name) => num(group(scale, name).perSecond) / num(group(small ?? {}, name).perSecond),
      ),
    );
    row('2b. 10 M records', `${worst.toFixed(2)}× the 1 M-record rate`, '', '≥ 0.7×', worst >= 0.7);
  }
  const service = results.get('service');
  if (service) {
    const s = group(service, 'serve');
    const b = group(service, 'baseline');
    row(
      '3. service',
      `${fmt(s.perSecond)} webhooks/s`,
      `bare node:http ${fmt(b.perSecond)}/s`,
      '≥ 15 000/s',
      num(s.perSecond) >= 15_000,
    );
    row('3. service', `p99 ${ms(s.p99Ms)}`, `p99 ${ms(b.p99Ms)}`, '≤ 20 ms', num(s.p99Ms) <= 20);
    row('3. service', `${num(service.ratio).toFixed(2)}× baseline`, '', '≥ 0.7×', num(service.ratio) >= 0.7);
  }
  const pg = results.get('pg');
  if (pg) {
    const e = group(pg, 'clientErrors');
    const reached = num(e.status5xx) + num(e.conflictLogLines) + num(e.failedAppends);
    row(
      '4. PostgreSQL',
      `two instances ${fmt(group(pg, 'two').perSecond)}/s = ${num(pg.ratio).toFixed(2)}×`,
      `one instance ${fmt(group(pg, 'one').perSecond)}/s`,
      '≥ 1.3×',
      num(pg.ratio) >= 1.3,
    );
    row('4. PostgreSQL', `${fmt(reached)} 5xx / deadlock / serialization errors`, '', '0', reached === 0);
  }
  const stored = results.get('store-scale');
  if (stored) {
    const met = scaleTargets(stored);
    const events = group(stored, 'events');
    const ingest = group(stored, 'ingest');
    row('6. 1 M sessions', `worst read p99 ${ms(met.worstP99)}`, '', '≤ 50 ms', met.reads);
    row('6. 1 M sessions', `/events first byte p99 ${ms(events.firstByteP99Ms)}`, '', '≤ 100 ms', met.events);
    row(
      '6. 1 M sessions',
      `ingest ${num(ingest.ratio).toFixed(2)}× an empty store`,
      `empty ${fmt(group(ingest, 'empty').perSecond)}/s`,
      '≥ 0.8×',
      met.ingest,
    );
  }
  const install = results.get('install');
  if (install) {
    rows.push(
      `| 5. install, test | \`npm ci\` ${num(group(install, 'npmCi').seconds).toFixed(0)} s, \`npm test\` ${num(group(install, 'npmTest').seconds).toFixed(0)} s | | (timed) | |`,
    );
  }
  return rows.join('\n');
}

const m = machine();
const parts = [
  `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`); do not edit by hand. Each figure stands beside a
baseline measured in the same run on the same machine.

- Machine: ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpu}, Node.js ${m.node}
- Command: \`npm run bench\` (each script runs as \`node --max-semi-space-size=64 --import tsx bench/<name>.ts\`)
- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- Load average (1, 5, 15 min) when the report was written: ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(', ')} (other work may share the machine; each section notes its own)

| section | figure | baseline (same run) | target | |
|---|---|---|---|---|
${summary()}
`,
];
for (const section of SECTIONS) {
  const result = results.get(section.name);
  if (result) parts.push(section.render(result));
}
mkdirSync('docs', { recursive: true });
writeFileSync('docs/benchmarks.md', `${parts.join('\n')}`);
process.stderr.write('bench: wrote docs/benchmarks.md\n');
