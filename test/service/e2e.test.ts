/**
 * End to end: the real `serve` process on a free loopback port, deliveries of every kind over
 * HTTP (out of order, duplicated, invalid, unauthenticated, oversized, of an unknown kind, not
 * JSON), and the views it answers, checked against a replay of what it stored.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/types.js';
import { EVERY_KIND, replay, startServe, viewsOf } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = { 'x-webhook-secret': 's3cret' };

describe('serve, end to end', () => {
  it('receives every kind over HTTP, answers as SPEC 2.3 says, and serves the views a replay gives', async () => {
    const server = await startServe([
      '--host',
      '127.0.0.1',
      '--store',
      join(dir, 'e2e.db'),
      '--auth-header',
      'X-Webhook-Secret: s3cret',
      '--max-body',
      '4k',
    ]);
    try {
      const post = async (kind: string, body: string | object, headers: Record<string, string> = SECRET) =>
        (
          await fetch(`${server.url}/webhooks/${kind}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          })
        ).status;
      let acknowledged = 0;
      const ack = async (kind: string, body: object) => {
        expect(await post(kind, body), kind).toBe(204);
        acknowledged++;
      };

      // Every kind, in reverse order: later evidence first, correlated records before their tie.
      for (const [kind, body] of [...EVERY_KIND].reverse()) await ack(kind, body);
      // Out of order and duplicated: completion first, then the ID status twice.
      await ack('onboarding-status', { interviewId: 'e2', onboardingStatus: 'ONBOARDING_FINISHED' });
      await ack('onboarding-status', { interviewId: 'e2', onboardingStatus: 'ID_VALIDATION_FINISHED' });
      await ack('onboarding-status', { interviewId: 'e2', onboardingStatus: 'ID_VALIDATION_FINISHED' });
      // JSON, but not valid for its kind: kept and acknowledged.
      await ack('onboarding-status', { interviewId: 'e3', onboardingStatus: 42 });
      // Refused, and not stored.
      expect(await post('onboarding-status', { interviewId: 'x1', onboardingStatus: 'ONBOARDING_FINISHED' }, {})).toBe(
        401,
      );
      expect(
        await post(
          'onboarding-status',
          { interviewId: 'x1', onboardingStatus: 'ONBOARDING_FINISHED' },
          {
            'x-webhook-secret': 'guess',
          },
        ),
      ).toBe(401);
      expect(await post('video-selfie', { interviewId: 'x1', pad: 'x'.repeat(5000) })).toBe(413);
      // Streamed without a declared length: refused once past the limit, the connection closed.
      const streamed = await new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
        const req = request(`${server.url}/webhooks/video-selfie`, { method: 'POST', headers: SECRET }, (res) => {
          res.resume();
          resolve({ status: res.statusCode, connection: res.headers.connection });
        });
        req.on('error', (error) => (req.writableFinished ? undefined : reject(error)));
        req.write('{"interviewId":"x1","pad":"');
        for (let i = 0; i < 8; i++) req.write('x'.repeat(1000));
        req.end('"}');
      });
      expect(streamed).toEqual({ status: 413, connection: 'close' });
      expect(await post('shiny-new-webhook', { interviewId: 'x1' })).toBe(404);
      expect(await post('session-started', '{"interviewId": "x1"')).toBe(400);

      const exported = await (await fetch(`${server.url}/records`)).text();
      writeFileSync(join(dir, 'export.jsonl'), exported);
      expect(exported.trim().split('\n')).toHaveLength(acknowledged);
      expect(exported).not.toContain('x1');
      expect(exported).not.toContain('s3cret');

      const expected = viewsOf(exported);
      for (const id of ['a1', 'e2', 'e3']) {
        const response = await fetch(`${server.url}/sessions/${id}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual(JSON.parse(JSON.stringify(expected.get(id))));
      }
      const a1 = (await (await fetch(`${server.url}/sessions/a1`)).json()) as SessionView;
      expect(a1.fetchable).toEqual(
        expect.arrayContaining(['faceAuthentication', 'proofOfPayment', 'videoSelfie', 'watchlist', 'workHistory']),
      );
      expect(a1.decision).toBe('conflict');
      const e2 = (await (await fetch(`${server.url}/sessions/e2`)).json()) as SessionView;
      expect(e2.status).toBe('ONBOARDING_FINISHED');
      expect(e2.anomalies.map((a) => a.code)).toEqual(expect.arrayContaining(['late-delivery', 'duplicate']));
      const e3 = (await (await fetch(`${server.url}/sessions/e3`)).json()) as SessionView;
      expect(e3.anomalies.map((a) => a.code)).toContain('invalid-payload');
      expect((await fetch(`${server.url}/sessions/x1`)).status).toBe(404);

      // The export is what `onboarding-status replay` reads: the same sessions, the same views.
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'replay', join(dir, 'export.jsonl'), '--json'],
        { encoding: 'utf8' },
      );
      // Exit 1: errors remain in what was stored (a1's conflict, e3's invalid payload).
      expect(cli.status, cli.stderr).toBe(1);
      const replayed = JSON.parse(cli.stdout) as { sessions: SessionView[] };
      // The command line says where in its file each anomaly came from; the service has no file.
      const withoutSource = replayed.sessions.map((view) => ({
        ...view,
        anomalies: view.anomalies.map(({ source: _, ...rest }) => rest),
      }));
      const listed = (await (await fetch(`${server.url}/sessions?limit=1000`)).json()) as { sessions: SessionView[] };
      expect(listed.sessions).toEqual(withoutSource);
      expect(replay(exported).sessionIds()).toEqual(['a1', 'e2', 'e3']);

      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('onboarding_deliveries_total{kind="onboarding-status",outcome="unauthorized"} 2');
      expect(metrics).toContain('onboarding_deliveries_total{kind="video-selfie",outcome="too-large"} 2');
      expect(metrics).toContain(`onboarding_commit_group_size_count ${acknowledged}`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('issues OAuth2 tokens over HTTP and accepts deliveries that carry one', async () => {
    const server = await startServe([
      '--host',
      '127.0.0.1',
      '--store',
      join(dir, 'oauth.db'),
      '--oauth-client',
      'incode:c1ient-s3cret',
    ]);
    try {
      const grant = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('incode:c1ient-s3cret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(grant.status).toBe(200);
      const { access_token: token } = (await grant.json()) as { access_token: string };
      const deliver = (headers: Record<string, string>) =>
        fetch(`${server.url}/webhooks/session-started`, { method: 'POST', headers, body: '{"interviewId":"o1"}' });
      // A reader follows the views over HTTP as server-sent events.
      const abort = new AbortController();
      const events = await fetch(`${server.url}/events`, { signal: abort.signal });
      expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect((await deliver({ authorization: `Bearer ${token}` })).status).toBe(204);
      expect((await deliver({})).status).toBe(401);
      expect((await fetch(`${server.url}/sessions/o1`)).status).toBe(200);
      const reader = (events.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      for (let chunk = 0; chunk < 20 && !text.includes('event: view'); chunk++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toMatch(/id: 1\nevent: view\ndata: \{"interviewId":"o1"/);
      abort.abort();
      // A stream still open does not hold the service up when it is asked to stop.
      const open = await fetch(`${server.url}/events`);
      expect(open.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('takes secrets from the environment, so they are not on the command line', async () => {
    const server = await startServe(['--host', '127.0.0.1', '--store', join(dir, 'env.db')], {
      ONBOARDING_STATUS_AUTH_HEADERS: 'X-Webhook-Secret: from-env\nX-Tenant: acme\n',
      ONBOARDING_STATUS_READ_HEADERS: 'X-Read: r',
    });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}/webhooks/session-started`, { method: 'POST', headers, body: '{"interviewId":"v1"}' });
      expect((await post({ 'x-webhook-secret': 'from-env', 'x-tenant': 'acme' })).status).toBe(204);
      expect((await post({ 'x-webhook-secret': 'from-env' })).status).toBe(401);
      expect((await fetch(`${server.url}/sessions/v1`)).status).toBe(401);
      expect((await fetch(`${server.url}/sessions/v1`, { headers: { 'x-read': 'r' } })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('without authentication listens on loopback only and says why; refuses another address', async () => {
    const server = await startServe(['--store', join(dir, 'open.db')]);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(server.stderr()).toMatch(/no authentication configured.*127\.0\.0\.1 only/);
    } finally {
      await server.stop();
    }
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/service/cli-entry.ts',
        'serve',
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--store',
        join(dir, 'no.db'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication/);
  });

  it('says which store it cannot open, without its password, instead of starting', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/service/cli-entry.ts',
        'serve',
        '--port',
        '0',
        '--store',
        'postgres://svc:pa55word@127.0.0.1:1/none',
      ],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot open the store postgres:\/\/svc:\*\*\*@127\.0\.0\.1:1\/none: /);
    expect(result.stderr).not.toContain('pa55word');
  });
});
