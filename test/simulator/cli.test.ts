/**
 * The faces: `simulate` (its command function, against the real handler on loopback) and
 * `npm start` (the demo script, spawned), each bounded.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/usage.js';
import { createWebhookHandler } from '../../src/service/handler.js';
import { startServer } from '../../src/service/server.js';
import { simulateCommand } from '../../src/simulator/cli.js';
import type { SimulationTruth } from '../../src/simulator/simulator.js';
import { createSqliteStore } from '../../src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'onboarding-status-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('onboarding-status simulate', () => {
  it('delivers to the target with static headers, writes the ground truth, and exits 0', async () => {
    const store = createSqliteStore(':memory:');
    const handler = createWebhookHandler({ store, auth: { headers: { 'X-Webhook-Secret': 's3cret' } } });
    const server = await startServer(handler, 0, '127.0.0.1');
    const truthFile = join(dir, 'truth.json');
    try {
      const code = await simulateCommand.run([
        '--target',
        server.url,
        '--sessions',
        '6',
        '--rate',
        '1000',
        '--time-scale',
        '0.00002',
        '--seed',
        '5',
        '--header',
        'X-Webhook-Secret: s3cret',
        '--truth',
        truthFile,
      ]);
      expect(code).toBe(0);
      const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as SimulationTruth;
      expect(truth.seed).toBe(5);
      expect(truth.sessions.map((session) => session.interviewId)).toEqual(
        Array.from({ length: 6 }, (_, i) => `sim-5-000${i}`),
      );
      expect(truth.deliveries?.exhausted).toBe(0);
      expect(await store.sessionIds(undefined, 100)).toEqual(truth.sessions.map((session) => session.interviewId));
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('refuses a bad option with one line and a pointer to --help, exit 2', async () => {
    const write = process.stderr.write;
    let said = '';
    process.stderr.write = ((text: string) => {
      said += text;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await runCommand(simulateCommand, ['--chaos', '3'])).toBe(2);
      expect(await runCommand(simulateCommand, ['--scenarios', 'id-only,nonsense'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(said).toContain('--chaos "3": expected 0-1');
    expect(said).toContain('unknown flow "nonsense"');
    expect(said).toContain("Run 'onboarding-status simulate --help' for its usage.");
    expect(said).not.toContain('Usage:');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** `npm start`'s script, spawned with these options; everything it says, and its exit. */
function startDemo(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
  }
  const exited = once(child, 'exit');
  return {
    out: () => out,
    /** SIGINT (Ctrl-C), then its exit code. */
    async interrupt(): Promise<number | null> {
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      return code;
    },
    /** The dashboard URL it printed, waiting at most 15 s for it. */
    async dashboard(): Promise<string | undefined> {
      for (let i = 0; i < 150; i++) {
        const found = /demo: dashboard: (\S+)/.exec(out);
        if (found) return found[1];
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    },
  };
}

const FAST = ['--sessions', '5', '--rate', '100', '--time-scale', '0.0005'];

describe('npm start (the demo)', () => {
  it('serves sessions fed by the simulator, prints the dashboard URL, and stops on SIGINT', async () => {
    const port = await freePort();
    const demo = startDemo(['--port', String(port), ...FAST, '--store', join(dir, 'demo.db')]);
    try {
      expect(await demo.dashboard(), demo.out()).toBe(`http://127.0.0.1:${port}/`);
      // Bounded: at most 15 s for all 5 sessions to be served.
      let sessions = 0;
      for (let i = 0; i < 150 && sessions < 5; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/sessions`).catch(() => undefined);
        if (response?.ok) sessions = ((await response.json()) as { sessions: unknown[] }).sessions.length;
        if (sessions < 5) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(sessions).toBe(5);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      expect(await demo.interrupt(), demo.out()).toBe(0);
    }
  });

  it('says when the port is taken and serves on a free one; Ctrl-C removes its temporary folder', async () => {
    const other = createServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nother'));
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const taken = (other.address() as { port: number }).port;
    const demo = startDemo(['--port', String(taken), ...FAST]);
    try {
      const url = await demo.dashboard();
      expect(demo.out()).toContain(`port ${taken} is taken by another program: using port`);
      expect(url).toBeDefined();
      expect(url).not.toContain(`:${taken}/`);
      const page = await fetch(url as string);
      expect(await page.text()).toContain('<title>onboarding-status');
    } finally {
      expect(await demo.interrupt(), demo.out()).toBe(0);
      other.close();
    }
    const store = /demo: store: (\S+)/.exec(demo.out())?.[1] as string;
    expect(store).toContain('onboarding-status-demo-');
    expect(existsSync(dirname(store))).toBe(false);
  });
});
