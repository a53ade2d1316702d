/** The command line's front door: help, version, unknown commands, and the delegated commands. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from '../support/cli.js';

const COMMANDS = ['replay', 'validate', 'visualize', 'paths'];

describe('onboarding-status', () => {
  it('prints the version of package.json with --version and -V', () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = cli([flag]);
      expect(run).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('lists every command with --help, on stdout, exit 0', () => {
    const run = cli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of [...COMMANDS, 'serve', 'simulate'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('prints the usage on stderr and exits 2 without a command', () => {
    const run = cli([]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: onboarding-status <command>');
  });

  it('rejects an unknown command with exit 2: which, the nearest command, and a pointer to --help', () => {
    expect(cli(['frobnicate'])).toEqual({
      status: 2,
      stdout: '',
      stderr: "onboarding-status: unknown command frobnicate\nRun 'onboarding-status --help' for the commands.\n",
    });
    expect(cli(['replya']).stderr).toBe(
      "onboarding-status: unknown command replya (did you mean replay?)\nRun 'onboarding-status --help' for the commands.\n",
    );
  });

  for (const command of COMMANDS) {
    it(`${command} --help shows its usage and examples, exit 0`, () => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const run = cli(args);
        expect(run.status).toBe(0);
        expect(run.stderr).toBe('');
        expect(run.stdout).toContain(`Usage: onboarding-status ${command}`);
        expect(run.stdout).toMatch(/Examples:\n {2}onboarding-status /);
      }
    });

    it(`${command} rejects an unknown option with exit 2, in one line and a pointer to --help`, () => {
      expect(cli([command, '--no-such-option'])).toEqual({
        status: 2,
        stdout: '',
        stderr: `onboarding-status ${command}: unknown option --no-such-option\nRun 'onboarding-status ${command} --help' for its usage.\n`,
      });
      // A near miss names the option meant.
      expect(cli([command, '--hepl']).stderr).toContain('unknown option --hepl (did you mean --help?)');
    });
  }

  for (const [command, module] of [
    ['serve', 'service'],
    ['simulate', 'simulator'],
  ] as const) {
    it(`says clearly when ${command} is not in a build, exit 2`, () => {
      // A copy of the build without the module that provides the command.
      const dir = mkdtempSync(`${tmpdir()}/os-cli-`);
      try {
        cpSync(`${ROOT}/dist`, `${dir}/dist`, { recursive: true });
        cpSync(`${ROOT}/package.json`, `${dir}/package.json`);
        symlinkSync(`${ROOT}/node_modules`, `${dir}/node_modules`);
        rmSync(`${dir}/dist/src/${module}/cli.js`);
        const run = spawnSync(process.execPath, [`${dir}/dist/src/cli/main.js`, command, '--port', '8080'], {
          encoding: 'utf8',
        });
        expect(run.status).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(
          new RegExp(`${command} is not available in this build .*${module}/cli\\.js is missing`),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('serve and simulate dispatch', () => {
  it('hands the arguments to the module that provides the command, and returns its exit code', () => {
    // A copy of the build with a stand-in service module: the real one is another team's.
    const dir = mkdtempSync(`${tmpdir()}/os-cli-`);
    try {
      cpSync(`${ROOT}/dist`, `${dir}/dist`, { recursive: true });
      cpSync(`${ROOT}/package.json`, `${dir}/package.json`);
      symlinkSync(`${ROOT}/node_modules`, `${dir}/node_modules`);
      mkdirSync(`${dir}/dist/src/service`, { recursive: true });
      writeFileSync(
        `${dir}/dist/src/service/cli.js`,
        'export const serveCommand = { name: "serve", async run(args) { process.stdout.write("serving " + args.join(" ") + "\\n"); return 7; } };\n',
      );
      const run = spawnSync(process.execPath, [`${dir}/dist/src/cli/main.js`, 'serve', '--port', '8080'], {
        encoding: 'utf8',
      });
      expect(run.stdout).toBe('serving --port 8080\n');
      expect(run.status).toBe(7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
