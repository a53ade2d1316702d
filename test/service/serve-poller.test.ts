/**
 * The poller is part of `serve`: given --poll-url, the service itself asks the vendor's status
 * endpoint (with the vendor's headers) for a session whose decision conflicts, stores the answer
 * as a poll record, and the poll settles the conflict (SPEC law 6).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/types.js';
import { type ServerProcess, startServe } from './support.js';

const SECRET = { 'x-webhook-secret': 's3cret' };
let dir: string;
let vendor: Server;
let vendorUrl: string;
let serve: ServerProcess;
const requests: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onboarding-status-serve-poller-'));
  // A stand-in for the vendor's status endpoint: the manual review ended approved.
  vendor = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ onboardingStatus: 'MANUAL_REVIEW_APPROVED' }));
  });
  await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
  vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
  serve = await startServe([
    '--host',
    '127.0.0.1',
    '--store',
    join(dir, 'store.db'),
    '--auth-header',
    'X-Webhook-Secret: s3cret',
    '--poll-url',
    vendorUrl,
    '--poll-api-key',
    'key-1',
    '--poll-token',
    'executive-1',
  ]);
});

afterAll(async () => {
  await serve?.stop();
  await new Promise((resolve) => vendor?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const post = (kind: string, body: unknown) =>
  fetch(`${serve.url}/webhooks/${kind}`, {
    method: 'POST',
    headers: { ...SECRET, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('serve --poll-url', () => {
  it('polls a conflicting session at once, with the vendor headers, and the poll settles it', async () => {
    expect(
      (await post('onboarding-status', { interviewId: 'p1', onboardingStatus: 'MANUAL_REVIEW_REJECTED' })).status,
    ).toBe(204);
    expect((await post('session-succeeded', { interviewId: 'p1' })).status).toBe(204);
    let view: SessionView | undefined;
    // Bounded: up to 20 s for the poller's round to find the conflict and store its answer.
    for (let i = 0; i < 200 && view?.decision !== 'approved'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      view = (await (await fetch(`${serve.url}/sessions/p1`)).json()) as SessionView;
    }
    expect(view?.decision).toBe('approved');
    expect(view?.status).toBe('MANUAL_REVIEW_APPROVED');
    expect(view?.anomalies.map((a) => a.code)).toContain('conflicting-decision');
    const poll = requests.find((r) => r.url.includes('id=p1'));
    expect(poll?.url).toBe('/omni/get/onboarding/status?id=p1');
    expect(poll?.headers['api-version']).toBe('1.0');
    expect(poll?.headers['x-api-key']).toBe('key-1');
    expect(poll?.headers['x-incode-hardware-id']).toBe('executive-1');
    const records = await (await fetch(`${serve.url}/sessions/p1/records`)).text();
    expect(records).toContain('"kind":"poll"');
  });
});
