/**
 * Benchmark 2b: `validate` and `replay --json` on a log ten times larger (10 M records over
 * 1 M sessions, generated into .bench/ and never committed), with the default options: does
 * memory stay bounded (the sessions do not fit the default budget, so they are partitioned on
 * disk), and how does the rate compare with the 1 M-record log's? One run each, beside the
 * same baseline. It runs bench/replay.ts on the larger log.
 */
import { execFileSync } from 'node:child_process';

const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/replay.ts'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...process.env,
    BENCH_REPLAY_RECORDS: process.env.BENCH_SCALE_RECORDS ?? '10000000',
    BENCH_REPLAY_SESSIONS: process.env.BENCH_SCALE_SESSIONS ?? '1000000',
    BENCH_RUNS: '1',
    BENCH_ONE_JOB: '0',
    BENCH_PROFILE: '0',
  },
});
const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
console.log(JSON.stringify({ ...result, bench: 'scale' }));
