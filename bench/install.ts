/**
 * Benchmark 5: install and test time. In a temporary `git clone` of the current HEAD: `npm ci`,
 * then `npm test` (the README's test command: typecheck, lint, build, vitest), each timed once
 * (each takes minutes). The clone is removed afterwards. Skip it with BENCH_ONLY.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine } from './measure.js';

const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const dir = mkdtempSync(join(tmpdir(), 'bench-install-'));

interface Step {
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly tail: string;
}

function timed(command: string, args: string[], cwd: string): Step {
  process.stderr.write(`bench install: ${command} ${args.join(' ')}\n`);
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const text = `${result.stdout}\n${result.stderr}`;
  return { seconds: Math.round(seconds * 10) / 10, exitCode: result.status, tail: text.slice(-4000) };
}

let clone: Step;
let ci: Step;
let test: Step;
try {
  clone = timed('git', ['clone', '--quiet', '--no-checkout', process.cwd(), dir], process.cwd());
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', head]);
  ci = timed('npm', ['ci', '--no-audit', '--no-fund'], dir);
  test = timed('npm', ['test'], dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const line = (text: string, label: string) =>
  new RegExp(`^\\s*${label}\\s+(.+)$`, 'm').exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
console.log(
  JSON.stringify({
    bench: 'install',
    commit: head,
    cloneSeconds: clone.seconds,
    npmCi: { seconds: ci.seconds, exitCode: ci.exitCode },
    npmTest: {
      seconds: test.seconds,
      exitCode: test.exitCode,
      files: line(test.tail, 'Test Files'),
      tests: line(test.tail, 'Tests'),
      vitestDuration: line(test.tail, 'Duration'),
      tail: test.exitCode === 0 ? undefined : test.tail.slice(-1500),
    },
    machine: machine(),
  }),
);
