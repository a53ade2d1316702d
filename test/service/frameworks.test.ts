/**
 * Embedding the handler in Hono, Express and Fastify, each the real framework (dev dependencies):
 * the examples in examples/ run as they are, and the client's address reaches the handler (a read
 * is served to loopback only when it does; an allowlist refuses a delivery by address), bodies
 * arrive exactly as sent, and every route works under the base path they mount it at.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/types.js';
import { ROOT } from '../support/cli.js';
import { viewsOf } from './support.js';

const EXAMPLES = ['hono', 'express', 'fastify'] as const;
const dir = mkdtempSync(join(tmpdir(), 'frameworks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run an example with its environment; resolves with its URL once it listens. */
async function runExample(
  name: string,
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found) resolve(found[1] as string);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`examples/${name}.ts exited with ${code}:\n${output}`)));
  });
  const exited = once(child, 'exit');
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const SECRET = { 'x-webhook-secret': 's3cret' };

describe('the handler embedded in a framework', () => {
  it('the examples type-check against the package', () => {
    execFileSync(
      join(ROOT, 'node_modules/.bin/tsc'),
      [
        '--ignoreConfig',
        '--noEmit',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        ...EXAMPLES.map((name) => `examples/${name}.ts`),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
  });

  for (const name of EXAMPLES) {
    it(`${name}: stores deliveries, serves reads to loopback clients, works under its base path`, async () => {
      const example = await runExample(name, { STORE: join(dir, `${name}.db`) });
      try {
        const post = (kind: string, body: string, headers: Record<string, string> = SECRET) =>
          fetch(`${example.url}/webhooks/${kind}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body,
          });
        const text = '{"interviewId":"a1", "onboardingStatus":"ONBOARDING_FINISHED","n":12345678901234567890}';
        expect((await post('onboarding-status', text)).status).toBe(204);
        expect((await post('session-pending-review', '{"interviewId":"a1"}')).status).toBe(204);
        expect((await post('video-selfie', '{"interviewId":"a1"}', {})).status).toBe(401);
        expect((await post('video-selfie', 'not json')).status).toBe(400);
        expect((await post('video-selfie', JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(413);
        // Reads are served to loopback clients only: this one is, so its address reached the handler.
        const exported = await (await fetch(`${example.url}/records`)).text();
        expect(exported.split('\n')[0]).toContain(`"body":${text}}`);
        const response = await fetch(`${example.url}/sessions/a1`);
        expect(response.status).toBe(200);
        const view = (await response.json()) as SessionView;
        expect(view).toEqual(JSON.parse(JSON.stringify(viewsOf(exported).get('a1'))));
        expect(view.decision).toBe('pending-review');
        // The dashboard, at the base path's slash; its reads are relative to it.
        const page = await fetch(example.url);
        expect(page.url).toBe(`${example.url}/`);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const listed = (await (await fetch(`${example.url}/sessions?order=recent`)).json()) as { sessions: unknown[] };
        expect(listed.sessions).toHaveLength(1);
        const events = await fetch(`${example.url}/events`, { signal: AbortSignal.timeout(10_000) });
        const reader = (events.body as ReadableStream<Uint8Array>).getReader();
        let stream = '';
        while (!stream.includes('event: view')) stream += new TextDecoder().decode((await reader.read()).value);
        await reader.cancel();
        expect(stream).toContain('"interviewId":"a1"');
      } finally {
        await example.stop();
      }
    });

    it(`${name}: an address allowlist refuses a delivery from any other address`, async () => {
      const example = await runExample(name, { STORE: join(dir, `${name}-allow.db`), ALLOW_IPS: '198.51.100.7' });
      try {
        const response = await fetch(`${example.url}/webhooks/video-selfie`, {
          method: 'POST',
          headers: SECRET,
          body: '{"interviewId":"a1"}',
        });
        expect(response.status).toBe(401);
        expect(((await response.json()) as { message: string }).message).toMatch(/not in the allowlist/);
      } finally {
        await example.stop();
      }
    });
  }
});
