/**
 * Benchmark 2: `onboarding-status validate` and `replay --json` end to end on a generated JSON
 * Lines log (1 000 000 records over 100 000 sessions, cached in .bench/), each spawned as
 * `node dist/src/cli/main.js` with its output to /dev/null under `/usr/bin/time -v` (peak RSS),
 * with the default options (one worker per core, the default memory budget) and with `--jobs 1`,
 * beside a baseline that only reads the lines, `JSON.parse`s them and checks the record envelope
 * with zod (single-threaded). Medians over BENCH_RUNS runs; one more run of `validate` under
 * `--cpu-prof` (the profile of its busiest thread).
 *
 * BENCH_REPLAY_RECORDS / BENCH_REPLAY_SESSIONS change the log (bench/scale.ts runs this script
 * on the 10 M-record log).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine } from './measure.js';
import { topSelfTime } from './profile.js';

const RECORDS = Number(process.env.BENCH_REPLAY_RECORDS ?? 1_000_000);
const SESSIONS = Number(process.env.BENCH_REPLAY_SESSIONS ?? 100_000);
const SEED = 6;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

mkdirSync('.bench', { recursive: true });
const log = `.bench/log-${RECORDS}-${SESSIONS}-${SEED}.jsonl`;
if (!existsSync(log)) {
  process.stderr.write(`bench replay: generating ${log}\n`);
  const out = openSync(`${log}.tmp`, 'w');
  try {
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/generate-log.ts',
        '--records',
        String(RECORDS),
        '--sessions',
        String(SESSIONS),
        '--seed',
        String(SEED),
      ],
      { stdio: ['ignore', out, 'inherit'] },
    );
  } finally {
    closeSync(out);
  }
  renameSync(`${log}.tmp`, log);
}
const lines = Number(execFileSync('wc', ['-l', log], { encoding: 'utf8' }).trim().split(/\s+/)[0]);

interface Run {
  readonly seconds: number;
  readonly maxRssBytes: number;
  readonly stdout: string;
}

/** Run `node args` under `/usr/bin/time -v`, stdout to /dev/null unless `capture`. */
function timed(args: string[], capture = false, ok = [0, 1]): Run {
  const devnull = openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], {
      stdio: ['ignore', capture ? 'pipe' : devnull, 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!ok.includes(result.status ?? -1)) {
      throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
    }
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1]);
    return { seconds, maxRssBytes: kb * 1024, stdout: capture ? result.stdout : '' };
  } finally {
    closeSync(devnull);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function measure(name: string, args: string[], capture = false) {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`bench replay: ${name} run ${i + 1}/${RUNS}\n`);
    runs.push(timed(args, capture));
  }
  const seconds = median(runs.map((r) => r.seconds));
  return {
    perSecond: Math.round(lines / seconds),
    seconds: Math.round(seconds * 100) / 100,
    maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes)),
    runs: runs.map((r) => Math.round(r.seconds * 100) / 100),
    stdout: runs[0]?.stdout ?? '',
  };
}

const cli = 'dist/src/cli/main.js';
const baseline = measure('baseline', ['--import', 'tsx', 'bench/replay-baseline.ts', log], true);
const validate = measure('validate', [cli, 'validate', log]);
const replay = measure('replay --json', [cli, 'replay', '--json', log]);
const oneJob = process.env.BENCH_ONE_JOB === '0';
const validateOne = oneJob ? undefined : measure('validate --jobs 1', [cli, 'validate', '--jobs', '1', log]);
const replayOne = oneJob ? undefined : measure('replay --json --jobs 1', [cli, 'replay', '--json', '--jobs', '1', log]);

// One profiled run of validate: where its time goes.
const profDir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
let profile: ReturnType<typeof topSelfTime> = [];
try {
  if (process.env.BENCH_PROFILE !== '0') {
    process.stderr.write('bench replay: validate under --cpu-prof\n');
    timed(['--cpu-prof', '--cpu-prof-dir', profDir, cli, 'validate', log]);
    profile = topSelfTime(profDir, 10);
  }
} finally {
  rmSync(profDir, { recursive: true, force: true });
}

const { stdout, ...base } = baseline;
const counts = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { records?: number; valid?: number };
const strip = ({ stdout: _s, ...rest }: typeof validate) => rest;
console.log(
  JSON.stringify({
    bench: 'replay',
    log,
    records: lines,
    sessions: SESSIONS,
    envelopeValid: counts.valid,
    baseline: base,
    validate: strip(validate),
    replay: strip(replay),
    validateOneJob: validateOne && strip(validateOne),
    replayOneJob: replayOne && strip(replayOne),
    validateRatio: validate.perSecond / baseline.perSecond,
    replayRatio: replay.perSecond / baseline.perSecond,
    profile,
    runs: RUNS,
    machine: machine(),
  }),
);
