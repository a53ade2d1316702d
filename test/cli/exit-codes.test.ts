/**
 * Every exit code of every command, as the README's table states them, through the real binary:
 * 0 done and no errors remain in the input; 1 errors remain, or the command could not do its job;
 * 2 the command line is wrong, or an input cannot be read or is not a JSON Lines log.
 * Each usage or input error is one line (a usage error adds a pointer to --help).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_ENTRY, startServe } from '../service/support.js';
import { cli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'exit-codes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const BINARY = file(
  'photo.png',
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]),
);
const CSV = file('sessions.csv', 'interviewId,status\na1,ONBOARDING_FINISHED\n');
const EMPTY = file('empty.jsonl', '');
// A directory with no `dot` in it: what PATH is on a machine without Graphviz.
const NO_GRAPHVIZ = join(dir, 'bin');
mkdirSync(NO_GRAPHVIZ);

/** The one-line refusal of an input that is not a JSON Lines log. */
const notALog = (command: string, name: string, why: string) =>
  `onboarding-status ${command}: ${name} ${why} (one delivery record, a JSON object, a line: docs/spec.md#the-delivery-record)\n`;
const usage = (command: string, message: string) =>
  `onboarding-status ${command}: ${message}\nRun 'onboarding-status ${command} --help' for its usage.\n`;

describe.each(['replay', 'validate'])('%s', (command) => {
  it('exits 0 on a clean log', () => {
    expect(cli([command, 'examples/in-order.jsonl']).status).toBe(0);
  });

  it('exits 1 when errors remain in the input', () => {
    const run = cli([command, 'examples/invalid-payloads.jsonl']);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toBe('');
  });

  it('exits 2 on an unknown flag, naming it and the nearest one', () => {
    expect(cli([command, 'examples/in-order.jsonl', '--jsno'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage(command, 'unknown option --jsno (did you mean --json?)'),
    });
  });

  it('exits 2 on a binary file, in one line', () => {
    expect(cli([command, BINARY])).toEqual({
      status: 2,
      stdout: '',
      stderr: notALog(command, BINARY, 'is a binary file, not a JSON Lines log'),
    });
  });

  it('exits 2 on a text file that is not JSON Lines, in one line', () => {
    expect(cli([command, CSV])).toEqual({
      status: 2,
      stdout: '',
      stderr: notALog(command, CSV, 'is not a JSON Lines log: no line is a JSON object'),
    });
  });

  it('exits 2 when a file cannot be read', () => {
    const run = cli([command, 'no/such/log.jsonl']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`onboarding-status ${command}: cannot read no/such/log.jsonl: no such file\n`);
  });

  it('warns about an empty log, and passes', () => {
    const run = cli([command, EMPTY]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`onboarding-status ${command}: warning: ${EMPTY} holds no records\n`);
  });
});

describe('replay', () => {
  it('exits 1 when --session names a session the logs never mention', () => {
    expect(cli(['replay', 'examples/in-order.jsonl', '--session', 'zz9']).status).toBe(1);
  });

  it('exits 0 when the sessions shown have only warnings, or a conflict a poll settled', () => {
    expect(cli(['replay', 'examples/out-of-order.jsonl']).status).toBe(0);
    expect(cli(['replay', 'examples/review-reversed.jsonl']).status).toBe(0);
  });

  it('exits 2 when a flag is missing its value', () => {
    expect(cli(['replay', 'examples/in-order.jsonl', '--flow'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage('replay', '--flow needs a value'),
    });
  });
});

describe('validate', () => {
  it('exits 1 with --strict on warnings, and on an empty log', () => {
    expect(cli(['validate', 'examples/duplicated.jsonl']).status).toBe(0);
    expect(cli(['validate', '--strict', 'examples/duplicated.jsonl']).status).toBe(1);
    expect(cli(['validate', '--strict', EMPTY]).status).toBe(1);
  });
});

describe('visualize', () => {
  it('exits 0 with a diagram', () => {
    expect(cli(['visualize', 'session']).status).toBe(0);
  });

  it('exits 1 when --format svg needs Graphviz and it is missing', () => {
    const run = cli(['visualize', '--format', 'svg'], { env: { PATH: NO_GRAPHVIZ } });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("needs Graphviz's `dot` program");
  });

  it('exits 2 on an unknown format or machine, with the nearest one', () => {
    expect(cli(['visualize', '--format', 'svgg'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage(
        'visualize',
        'unknown format "svgg" (did you mean "svg"?): expected one of mermaid, dot, svg, json',
      ),
    });
    expect(cli(['visualize', 'sesion'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage(
        'visualize',
        'unknown machine "sesion" (did you mean "session"?): expected one of onboarding, session, evidence',
      ),
    });
  });
});

describe('paths', () => {
  it('exits 0 with vectors, 2 on a bad --max', () => {
    expect(cli(['paths', '--max', '1']).status).toBe(0);
    expect(cli(['paths', '--max', 'lots'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage('paths', '--max expects a positive integer, got "lots"'),
    });
  });
});

describe('serve', () => {
  it('exits 0 when stopped by SIGTERM', async () => {
    const server = await startServe(['--host', '127.0.0.1', '--store', join(dir, 'serve.db')], {}, BUILT_ENTRY);
    // Once it answers: serve prints "listening" a moment before it takes SIGTERM over (a signal in
    // between ends it at once, with no code).
    await fetch(`${server.url}/sessions/none`);
    expect(await server.stop()).toBe(0);
  });

  it('exits 1 when the store cannot be opened', () => {
    const run = cli(['serve', '--port', '0', '--store', join(dir, 'no', 'such', 'dir', 'x.db')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cannot open the store');
  });

  it('exits 1 when the port is taken, saying so', async () => {
    const other = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    const { port } = other.address() as { port: number };
    try {
      const run = cli(['serve', '--host', '127.0.0.1', '--port', String(port), '--store', join(dir, 'taken.db')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`port ${port} is taken by another program`);
    } finally {
      other.close();
    }
  });

  it('exits 2 on a wrong option, in one line', () => {
    expect(cli(['serve', '--prot', '8080'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage('serve', 'unknown option --prot (did you mean --port?)'),
    });
    expect(cli(['serve', '--port', 'eighty'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage('serve', '--port "eighty": expected 0-65535'),
    });
    for (const base of ['hooks', '/a b', '/a?b', '/a#b']) {
      expect(cli(['serve', '--base-path', base]), base).toEqual({
        status: 2,
        stdout: '',
        stderr: usage('serve', `--base-path "${base}": expected a path such as /onboarding`),
      });
    }
  });

  it('reads --flow as replay does: an unknown module is refused, exit 2', () => {
    const flow = file('flow.json', '{"modules":["id","retina"]}');
    for (const command of [
      ['serve', '--port', '0', '--store', join(dir, 'flow.db')],
      ['replay', 'examples/in-order.jsonl'],
    ]) {
      const run = cli([...command, '--flow', flow]);
      expect(run.status, command[0]).toBe(2);
      expect(run.stderr, command[0]).toContain('unknown module "retina"');
    }
  });
});

describe('simulate', () => {
  const quick = ['--rate', '1000', '--time-scale', '0.00001', '--truth', join(dir, 'truth.json')];

  it('exits 0 when every delivery was acknowledged (none to make)', () => {
    expect(cli(['simulate', '--sessions', '0', ...quick]).status).toBe(0);
  });

  it('exits 1 when deliveries were given up after the retries', async () => {
    // A port nothing listens on: every attempt is refused.
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const { port } = closed.address() as { port: number };
    closed.close();
    const run = cli(['simulate', '--sessions', '1', '--target', `http://127.0.0.1:${port}`, ...quick]);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/[1-9]\d* undelivered/);
  });

  it('exits 2 on a wrong option', () => {
    expect(cli(['simulate', '--chaos', '3'])).toEqual({
      status: 2,
      stdout: '',
      stderr: usage('simulate', '--chaos "3": expected 0-1'),
    });
  });
});

describe('onboarding-status', () => {
  it('exits 0 with --help, 2 without a command', () => {
    expect(cli(['--help']).status).toBe(0);
    expect(cli([]).status).toBe(2);
  });
});
