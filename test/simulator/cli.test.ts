/**
 * The faces: `simulate` (its command function, against the real handler on loopback) and
 * `npm start` (the demo script, spawned), each bounded.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
      const code = await simulateCommand([
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

  it('refuses a bad option with the usage, exit 2', async () => {
    const write = process.stderr.write;
    let said = '';
    process.stderr.write = ((text: string) => {
      said += text;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await simulateCommand(['--chaos', '3'])).toBe(2);
      expect(await simulateCommand(['--scenarios', 'id-only,nonsense'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(said).toContain('--chaos "3": expected 0-1');
    expect(said).toContain('unknown flow "nonsense"');
    expect(said).toContain('Usage: onboarding-status simulate');
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

describe('npm start (the demo)', () => {
  it('serves sessions fed by the simulator, prints the dashboard URL, and stops on SIGINT', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/demo.ts',
        '--port',
        String(port),
        '--sessions',
        '5',
        '--rate',
        '100',
        '--time-scale',
        '0.0005',
        '--store',
        join(dir, 'demo.db'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
    const exited = once(child, 'exit');
    try {
      // Bounded: at most 15 s for the URL to be printed and all 5 sessions to be served.
      let sessions = 0;
      for (let i = 0; i < 150 && sessions < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (!out.includes('demo: dashboard: ')) continue;
        const response = await fetch(`http://127.0.0.1:${port}/sessions`).catch(() => undefined);
        if (response?.ok) sessions = ((await response.json()) as { sessions: unknown[] }).sessions.length;
      }
      expect(out).toContain(`demo: dashboard: http://127.0.0.1:${port}/`);
      expect(sessions).toBe(5);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      expect(code, out).toBe(0);
    }
  });
});
