/**
 * docs/openapi.json is a valid OpenAPI 3.1 document, and the real service answers as it says:
 * `serve` is started as a process, each operation is called for each answer it documents, and
 * every answer's status, content type and body are checked against the document with Ajv.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERY_KIND, type ServerProcess, startServe } from '../service/support.js';
import { contractFile, errorsOf, validator } from './support.js';

interface Operation {
  readonly operationId: string;
  readonly responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

const document = contractFile<Document>('docs/openapi.json');
const ajv = validator();

/** The documented operation a request reaches: its path template, and the operation. */
function operationOf(method: string, pathname: string): { template: string; operation: Operation } {
  const segments = pathname.split('/');
  for (const [template, operations] of Object.entries(document.paths)) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    if (!parts.every((part, i) => part.startsWith('{') || part === segments[i])) continue;
    const operation = operations[method.toLowerCase()];
    if (operation) return { template, operation };
  }
  throw new Error(`${method} ${pathname} is not in docs/openapi.json`);
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** (operationId, status) pairs answered so far. */
const answered = new Set<string>();

/** Check a real answer against the document; returns its body text. */
async function check(method: string, url: string, response: Response): Promise<string> {
  const { pathname } = new URL(url);
  const { template, operation } = operationOf(method, pathname);
  const status = String(response.status);
  const documented = operation.responses[status];
  expect(documented, `${method} ${pathname} answered ${status}, which is not documented`).toBeDefined();
  answered.add(`${operation.operationId} ${status}`);
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (documented?.content === undefined) {
    expect(await response.text()).toBe('');
    return '';
  }
  expect(Object.keys(documented.content), `${method} ${pathname} ${status}`).toContain(type);
  const schemaAt = (...parts: string[]) =>
    ajv.compile({
      $ref: `openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', status, ...parts)}`,
    });
  if (type === 'text/event-stream') {
    // One event is enough: its data is a session view.
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = /^data: (.*)$/m.exec(text)?.[1] as string;
    expect(errorsOf(ajv.compile({ $ref: 'openapi.json#/components/schemas/SessionView' }), JSON.parse(data))).toEqual(
      [],
    );
    return text;
  }
  const text = await response.text();
  if (type === 'application/json') {
    expect(errorsOf(schemaAt('content', 'application/json', 'schema'), JSON.parse(text))).toEqual([]);
  } else if (type === 'application/jsonl') {
    const record = ajv.compile({ $ref: 'openapi.json#/components/schemas/StoredRecord' });
    const lines = text.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(errorsOf(record, JSON.parse(line))).toEqual([]);
  }
  return text;
}

describe('docs/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('the service answers as docs/openapi.json says', () => {
  let dir: string;
  let server: ServerProcess;
  let token: string;

  const call = async (method: string, path: string, init: RequestInit = {}): Promise<string> => {
    const url = `${server.url}${path}`;
    return check(method, url, await fetch(url, { method, ...init }));
  };
  const deliver = (kind: string, body: string, headers: Record<string, string> = {}) =>
    call('POST', `/webhooks/${kind}`, {
      body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    });
  const form = (text: string, headers: Record<string, string> = {}) =>
    call('POST', '/oauth/token', {
      body: text,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    server = await startServe([
      '--host',
      '127.0.0.1',
      '--store',
      join(dir, 'openapi.db'),
      '--oauth-client',
      'vendor:s3cret',
      '--max-body',
      '2k',
    ]);
    const response = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials&client_id=vendor&client_secret=s3cret',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    token = (JSON.parse(await check('POST', `${server.url}/oauth/token`, response)) as { access_token: string })
      .access_token;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('POST /oauth/token: a token, a refused grant type, an unknown client, a form too large', async () => {
    await form('grant_type=password');
    await form('grant_type=client_credentials&client_id=vendor&client_secret=wrong');
    await form(`grant_type=client_credentials&pad=${'x'.repeat(9000)}`);
  });

  it('POST /webhooks/{kind}: every kind stored, and each refusal', async () => {
    for (const [kind, body] of EVERY_KIND) await deliver(kind, JSON.stringify(body));
    await deliver('onboarding-status', JSON.stringify({ interviewId: 'a1', onboardingStatus: 42 })); // kept: 204
    await deliver('onboarding-status', '{"interviewId":');
    await deliver('no-such-kind', '{}');
    await deliver('video-selfie', JSON.stringify({ interviewId: 'a1', pad: 'x'.repeat(4096) }));
    await deliver('video-selfie', '{}', { authorization: 'Bearer not-a-token' });
  });

  it('the reads: sessions, a session, its records and machines, every record, events, metrics, health, the dashboard', async () => {
    await call('GET', '/sessions');
    await call('GET', '/sessions?decision=approved&limit=1');
    await call('GET', '/sessions?limit=0');
    await call('GET', '/sessions/a1');
    await call('GET', '/sessions/nobody');
    await call('GET', '/sessions/a1/records');
    await call('GET', '/sessions/nobody/records');
    await call('GET', '/sessions/a1/machines');
    await call('GET', '/sessions/nobody/machines');
    await call('GET', '/records');
    await call('GET', '/records?after=-1');
    await call('GET', '/events');
    await call('GET', '/events', { headers: { 'last-event-id': 'x' } });
    await call('GET', '/metrics');
    await call('GET', '/healthz');
    await call('GET', '/');
  });

  it('refuses every read without the read header, when one is configured', async () => {
    const guarded = await startServe([
      '--host',
      '127.0.0.1',
      '--store',
      join(dir, 'guarded.db'),
      '--read-header',
      'X-Read-Secret: r',
    ]);
    try {
      for (const path of [
        '/',
        '/sessions',
        '/sessions/a1',
        '/sessions/a1/records',
        '/sessions/a1/machines',
        '/records',
        '/events',
      ]) {
        await check('GET', `${guarded.url}${path}`, await fetch(`${guarded.url}${path}`));
      }
    } finally {
      await guarded.stop();
    }
  });

  it('documents no answer the service was not seen to give, but a store failure', () => {
    const documented = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) =>
        Object.keys(operation.responses).map((status) => `${operation.operationId} ${status}`),
      ),
    );
    expect(documented.filter((answer) => !answered.has(answer))).toEqual(['receiveWebhook 503', 'health 503']);
  });
});
