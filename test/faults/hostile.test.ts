/**
 * Hostile requests against `serve` with authentication configured: bad hosts, forbidden methods,
 * request smuggling shapes, header floods, invalid UTF-8, bodies nested 100 000 deep, huge
 * strings, numbers no double can hold. Each is answered (or its connection closed) and the
 * process lives on; the valid deliveries posted meanwhile are all stored, and the hostile bodies
 * the service accepted are stored exactly as they were sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { BUILT_ENTRY, type ServerProcess, startServe } from '../service/support.js';
import { type RawCase, rawHttp, rawRequest, unreadableRequests } from '../support/raw-http.js';
import { expectNothingLost, report, startLoad } from './load.js';

const SECRET = 's3cret';
const AUTH = ['X-Webhook-Secret', SECRET] as const;
const DEPTH = 100_000;
const DEEP = `{"interviewId":"deep1","ref":"w","x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
const HUGE = `{"interviewId":"huge1","ref":"w","s":"${'\u00e9'.repeat(3_000_000)}"}`;
const NUMBERS = '{"interviewId":"num1","ref":"w","big":12345678901234567890,"inf":1e400,"tiny":5e-400,"neg":-0.0}';

/** A delivery as raw bytes, authenticated, with its Content-Length. */
const post = (kind: string, body: string | Buffer, extra: (readonly [string, string])[] = []) =>
  rawHttp(
    `POST /webhooks/${kind} HTTP/1.1`,
    [AUTH, ['Content-Length', String(Buffer.byteLength(body))], ...extra],
    typeof body === 'string' ? Buffer.from(body) : body,
  );

const CASES: readonly RawCase[] = [
  // Hosts and targets the URL parser refuses, TRACE: answered, never thrown.
  ...unreadableRequests('/healthz'),
  ['bad percent-encoding in a path', rawHttp('GET /sessions/%E0%A4%A HTTP/1.1'), 400],
  ['a 20 KB target', rawHttp(`GET /${'a'.repeat(20_000)} HTTP/1.1`), 431],
  // Methods.
  ['TRACK', rawHttp('TRACK /healthz HTTP/1.1'), 400],
  ['CONNECT', rawHttp('CONNECT example.com:443 HTTP/1.1', [['Host', 'example.com:443']]), 'closed'],
  ['PROPFIND on a webhook', rawHttp('PROPFIND /webhooks/watchlist HTTP/1.1', [AUTH]), 405],
  ['DELETE on the records', rawHttp('DELETE /records HTTP/1.1'), 405],
  ['unknown method', rawHttp('BREW /healthz HTTP/1.1'), 400],
  // Request smuggling shapes.
  [
    'two Content-Lengths that differ',
    rawHttp('POST /webhooks/watchlist HTTP/1.1', [AUTH, ['Content-Length', '3'], ['Content-Length', '5']], 'abcde'),
    400,
  ],
  [
    'Content-Length and Transfer-Encoding',
    rawHttp(
      'POST /webhooks/watchlist HTTP/1.1',
      [AUTH, ['Content-Length', '4'], ['Transfer-Encoding', 'chunked']],
      '0\r\n\r\nGET /records HTTP/1.1\r\nHost: x\r\n\r\n',
    ),
    400,
  ],
  [
    'Transfer-Encoding then Content-Length',
    rawHttp(
      'POST /webhooks/watchlist HTTP/1.1',
      [AUTH, ['Transfer-Encoding', 'chunked'], ['Content-Length', '3']],
      '0\r\n\r\n',
    ),
    400,
  ],
  [
    'Transfer-Encoding: xchunked',
    rawHttp('POST /webhooks/watchlist HTTP/1.1', [AUTH, ['Transfer-Encoding', 'xchunked']], '0\r\n\r\n'),
    400,
  ],
  [
    'two Transfer-Encodings',
    rawHttp(
      'POST /webhooks/watchlist HTTP/1.1',
      [AUTH, ['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'chunked']],
      '0\r\n\r\n',
    ),
    400,
  ],
  [
    'a chunk size that is not hex',
    rawHttp('POST /webhooks/watchlist HTTP/1.1', [AUTH, ['Transfer-Encoding', 'chunked']], 'zz\r\nab\r\n0\r\n\r\n'),
    400,
  ],
  [
    'a chunk of 2^64 bytes',
    rawHttp('POST /webhooks/watchlist HTTP/1.1', [AUTH, ['Transfer-Encoding', 'chunked']], 'ffffffffffffffffff\r\n'),
    400,
  ],
  ['a negative Content-Length', rawHttp('POST /webhooks/watchlist HTTP/1.1', [AUTH, ['Content-Length', '-1']]), 400],
  ['a folded header line', rawHttp('GET /healthz HTTP/1.1', [['X-A', 'b\r\n c']]), 400],
  ['a space before the colon', rawHttp('GET /healthz HTTP/1.1', [['X-A ', 'b']]), 400],
  ['a NUL in a header', rawHttp('GET /healthz HTTP/1.1', [['X-A', 'b\u0000c']]), 400],
  ['lines ended by LF alone', Buffer.from('GET /healthz HTTP/1.1\nHost: a\n\n'), 400],
  ['HTTP/9.9', rawHttp('GET /healthz HTTP/9.9'), 400],
  ['a request hidden in a body', post('watchlist', 'GET /records HTTP/1.1\r\nHost: x\r\n\r\n'), 400],
  // Floods.
  ['one 20 KB header', rawHttp('GET /healthz HTTP/1.1', [['X-A', 'x'.repeat(20_000)]]), 431],
  [
    '3 000 headers',
    rawHttp(
      'GET /healthz HTTP/1.1',
      Array.from({ length: 3000 }, (_, i) => [`X-${i}`, 'y'] as const),
    ),
    431,
  ],
  // Bodies.
  ['no credentials', rawHttp('POST /webhooks/watchlist HTTP/1.1', [['Content-Length', '2']], '{}'), 401],
  ['an unknown kind', post('new-kind', '{"interviewId":"k"}'), 404],
  ['an empty body', post('watchlist', ''), 400],
  ['a body that is not JSON', post('watchlist', '{"interviewId":'), 400],
  ['invalid UTF-8', post('watchlist', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400],
  ['a lone surrogate in UTF-8', post('watchlist', Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1')), 400],
  ['a body over the limit', post('watchlist', `{"s":"${'x'.repeat(9 * 1024 * 1024)}"}`), 413],
  [
    'a body declared over the limit',
    rawHttp('POST /webhooks/watchlist HTTP/1.1', [AUTH, ['Content-Length', String(64 << 20)]]),
    413,
  ],
  ['a body nested 100 000 deep', post('watchlist', DEEP), 204],
  ['a 6 MB string', post('watchlist', HUGE), 204],
  ['numbers no double holds', post('watchlist', NUMBERS), 204],
  [
    '__proto__ and constructor keys',
    post('watchlist', '{"interviewId":"proto1","ref":"w","__proto__":{"polluted":1},"constructor":{"prototype":{}}}'),
    204,
  ],
  [
    'a chunked body',
    rawHttp(
      'POST /webhooks/watchlist HTTP/1.1',
      [AUTH, ['Transfer-Encoding', 'chunked']],
      '5\r\n{"int\r\nf\r\nerviewId":"ch1"\r\nb\r\n,"ref":"w"}\r\n0\r\n\r\n',
    ),
    204,
  ],
  ['HTTP/1.0 without a Host', Buffer.from(`GET /healthz HTTP/1.0\r\n\r\n`), 200],
];

let server: ServerProcess;
beforeAll(async () => {
  server = await startServe(
    ['--store', ':memory:', '--auth-header', `X-Webhook-Secret: ${SECRET}`, '--host', '127.0.0.1', '--max-body', '8m'],
    {},
    BUILT_ENTRY,
  );
});
afterAll(() => server.stop());

/** The stored line of the first record whose body starts with `prefix`. */
async function storedBody(prefix: string): Promise<string | undefined> {
  const exported = await (await fetch(`${server.url}/records`)).text();
  return exported.split('\n').find((line) => line.includes(`"body":${prefix}`));
}

describe('hostile requests', () => {
  it(`answers each of ${CASES.length} hostile requests, stays up, and stores every valid delivery sent meanwhile`, async () => {
    const load = startLoad(() => server.url, { workers: 8, headers: { 'x-webhook-secret': SECRET } });
    const wrong: string[] = [];
    try {
      for (const [name, bytes, expected] of CASES) {
        const answer = await rawRequest(server.url, bytes, 20_000);
        const got = answer.status ?? 'closed';
        if (got !== expected) wrong.push(`${name}: expected ${expected}, got ${got}`);
        expect(server.child.exitCode, `the process after "${name}"`).toBeNull();
      }
      await load.acknowledgedMore(100);
    } finally {
      await load.stop();
    }
    expect(wrong).toEqual([]);
    expect(load.answers.get('error') ?? 0).toBe(0);
    // Everything acknowledged is stored, and the views served are a replay's, the deep body's
    // session included.
    await expectNothingLost(server.url, load.acknowledged);
    // Nothing answered 500, nothing failed unforeseen: the log holds only the start.
    const unexpected = server
      .stderr()
      .split('\n')
      .filter((line) => line !== '' && !/listening on|reads \(/.test(line));
    expect(unexpected).toEqual([]);
    report(
      `hostile requests: ${CASES.length} cases answered, ${load.acknowledged.size} valid deliveries alongside, none lost`,
    );
  });

  it('stores the bodies it accepted exactly as they were sent', async () => {
    expect(await storedBody(NUMBERS.slice(0, 30))).toContain(`"body":${NUMBERS}}`);
    expect((await storedBody(DEEP.slice(0, 30)))?.endsWith(`"body":${DEEP}}`)).toBe(true);
    expect((await storedBody(HUGE.slice(0, 30)))?.endsWith(`"body":${HUGE}}`)).toBe(true);
  });

  it('answers a pipelined request after a hostile one on the same connection', async () => {
    const bytes = Buffer.concat([post('watchlist', '{"interviewId":'), rawHttp('GET /healthz HTTP/1.1')]);
    const answer = await rawRequest(server.url, bytes);
    expect(answer.status).toBe(400);
    // The request after it, on the same connection, gets its own answer.
    const [, second] = answer.text.split(/(?=HTTP\/1\.1 \d{3} )/);
    expect(second ?? '(none)', answer.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(second).toContain('"ok":true');
  });

  // The service stores and acknowledges a body of any depth, and exports it as it arrived;
  // replay folds it like any other.
  it('replay reads an export that holds a body nested 100 000 deep', async () => {
    const line = await storedBody(DEEP.slice(0, 30));
    const ledger = new Ledger();
    expect(ledger.addLine(line as string).to).not.toBe('none');
    expect(ledger.anomalies()).toEqual([]);
  });
});
