/**
 * `replay` and `validate` on logs of any size, through the real binary: the same output on any
 * number of worker threads and under any memory budget (sessions partitioned to temporary files
 * on disk), and no temporary file left behind, whether the run succeeds, fails or is stopped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, json, ROOT } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'os-scale-'));
const log = join(dir, 'log.jsonl');
const big = join(dir, 'big.jsonl');

/** A fresh, empty directory for a run's temporary files (TMPDIR). */
function tempDir(): string {
  const path = mkdtempSync(join(dir, 'tmp-'));
  mkdirSync(path, { recursive: true });
  return path;
}

beforeAll(() => {
  const generate = (records: number, sessions: number, seed: number) =>
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/generate-log.ts',
        '--records',
        String(records),
        '--sessions',
        String(sessions),
        '--seed',
        String(seed),
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
    );
  writeFileSync(log, generate(30_000, 4_000, 11));
  writeFileSync(big, generate(300_000, 40_000, 12));
}, 120_000);

describe('replay and validate on every core', () => {
  const commands = [['replay', '--json'], ['replay'], ['validate', '--json'], ['validate']];

  it.each(commands)('%s %s: --jobs 1 and --jobs 4 write the same bytes', (...command) => {
    const one = cli([...command, log, 'examples/every-kind.jsonl', '--jobs', '1']);
    const four = cli([...command, log, 'examples/every-kind.jsonl', '--jobs', '4']);
    expect(one.status).toBe(1); // the generated log has malformed lines on purpose
    expect(four.status).toBe(one.status);
    expect(four.stdout).toBe(one.stdout);
    expect(four.stderr).toBe(one.stderr);
    expect(one.stdout.length).toBeGreaterThan(10_000);
  });

  it.each(commands)('%s %s: a tiny memory budget (every session to disk) writes the same bytes', (...command) => {
    const ample = cli([...command, log, '--jobs', '2']);
    const tmp = tempDir();
    const tiny = cli([...command, log, '--jobs', '2', '--max-memory', '1M'], { env: { TMPDIR: tmp } });
    expect(tiny.status).toBe(ample.status);
    expect(tiny.stdout).toBe(ample.stdout);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('counts every record and session whatever the jobs and budget', () => {
    const reports = [
      cli(['validate', '--json', log, '--jobs', '1']),
      cli(['validate', '--json', log, '--jobs', '3', '--max-memory', '1M'], { env: { TMPDIR: tempDir() } }),
    ].map((run) => json<{ records: number; sessions: number }>(run));
    expect(reports[0].records).toBe(30_000);
    expect(reports[0].sessions).toBeGreaterThan(3_000);
    expect(reports[1]).toEqual(reports[0]);
  });

  it('reads a log from stdin in parallel as in one thread', () => {
    const input = execFileSync('cat', [log], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const piped = cli(['replay', '--json', '-', '--jobs', '2'], { input });
    expect(piped.stdout).toBe(cli(['replay', '--json', '-', '--jobs', '1'], { input }).stdout);
    expect(piped.stdout.length).toBeGreaterThan(10_000);
  });

  it('refuses a bad --jobs or --max-memory with exit 2', () => {
    for (const args of [
      ['--jobs', '0'],
      ['--jobs', 'many'],
      ['--max-memory', 'lots'],
      ['--max-memory', '10K'],
    ]) {
      const run = cli(['replay', 'examples/in-order.jsonl', ...args]);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/--(jobs|max-memory) expects/);
    }
  });

  it('--progress writes nothing when stderr is not a terminal', () => {
    const run = cli(['validate', log, '--progress']);
    expect(run.stderr).toBe('');
  });

  it('says so in one line, exit 1, when the temporary directory cannot be written', () => {
    const run = cli(['replay', '--json', log, '--max-memory', '1M'], { env: { TMPDIR: join(dir, 'no-such-dir') } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^onboarding-status replay: cannot write temporary files in .*no-such-dir/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

/** The temporary files a running process holds open (removed from the directory, still open). */
function openTempFiles(pid: number, tmp: string): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((target) => target.startsWith(tmp));
  } catch {
    return [];
  }
}

/** Start a replay that spills, wait until it holds temporary files, then stop it with `signal`. */
async function stopWhileSpilling(
  signal: NodeJS.Signals,
): Promise<{ code: number | null; held: string[]; tmp: string }> {
  const tmp = tempDir();
  const child = spawn(process.execPath, [BIN, 'replay', '--json', big, '--jobs', '2', '--max-memory', '1M'], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : null))),
  );
  let held: string[] = [];
  for (let i = 0; i < 400 && held.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    held = openTempFiles(child.pid as number, tmp);
  }
  child.kill(signal);
  return { code: await exited, held, tmp };
}

describe.runIf(process.platform === 'linux')('temporary files', () => {
  it('are never in the directory: made without a name, held open by the process', async () => {
    const { held, tmp } = await stopWhileSpilling('SIGINT');
    expect(held.length).toBeGreaterThan(0);
    for (const path of held) expect(path).toMatch(/ \(deleted\)$/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('are gone after Ctrl-C (SIGINT), and the exit code says it was stopped', async () => {
    const { code, held, tmp } = await stopWhileSpilling('SIGINT');
    expect(held.length).toBeGreaterThan(0); // stopped while it held some
    expect(code).toBe(130);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('are gone after kill -9', async () => {
    const { held, tmp } = await stopWhileSpilling('SIGKILL');
    expect(held.length).toBeGreaterThan(0); // killed while it held some
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('are gone after success and after a failure', () => {
    const ok = tempDir();
    expect(cli(['validate', log, '--max-memory', '1M'], { env: { TMPDIR: ok } }).status).toBe(1);
    expect(readdirSync(ok)).toEqual([]);
    const failed = tempDir();
    const run = cli(['replay', log, join(dir, 'missing.jsonl'), '--max-memory', '1M'], { env: { TMPDIR: failed } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('missing.jsonl: no such file');
    expect(readdirSync(failed)).toEqual([]);
  });
});
