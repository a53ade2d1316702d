/** The handler in-process, with web-standard requests: what each answer means for the vendor and for readers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebhookHandler, type WebhookHandlerOptions } from '../../src/service/handler.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { AppendOutcome, Store } from '../../src/store/types.js';
import type { SessionView } from '../../src/types.js';
import { EVERY_KIND, replay, viewsOf } from './support.js';

const viewOf = async (response: Response) => (await response.json()) as SessionView;

const dir = mkdtempSync(join(tmpdir(), 'handler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const LOCAL = { remoteAddress: '127.0.0.1' };

function service(options: Partial<WebhookHandlerOptions> = {}) {
  let clock = Date.parse('2026-11-25T10:00:00.000Z');
  // The store stamps each view change with the same clock the service stamps deliveries with.
  const store = createSqliteStore(join(dir, `h${++n}.db`), { now: () => clock });
  const handler = createWebhookHandler({ store, now: () => clock++, ...options });
  const post = (kind: string, body: string | object, headers: Record<string, string> = {}) =>
    handler(
      new Request(`http://svc/webhooks/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
      LOCAL,
    );
  const get = (path: string, headers: Record<string, string> = {}, info = LOCAL) =>
    handler(new Request(`http://svc${path}`, { headers }), info);
  return { store, handler, post, get };
}

describe('webhook handler: receiving', () => {
  it('acknowledges a delivery of every kind with 204 and serves the view the core folds from them', async () => {
    const { post, get } = service();
    for (const [kind, body] of EVERY_KIND) expect((await post(kind, body)).status, kind).toBe(204);
    const exported = await (await get('/records')).text();
    expect(exported.trim().split('\n')).toHaveLength(EVERY_KIND.length);
    const response = await get('/sessions/a1');
    expect(response.status).toBe(200);
    const view = await viewOf(response);
    expect(view).toEqual(JSON.parse(JSON.stringify(viewsOf(exported).get('a1'))));
    // Correlated deliveries (by requestId, by identity) reached the session through the store.
    expect(view.fetchable).toEqual(expect.arrayContaining(['proofOfPayment', 'faceAuthentication', 'workHistory']));
    expect(view.anomalies.map((a) => a.code)).toContain('deprecated-webhook');
  });

  it('keeps a JSON body that is invalid for its kind, reports invalid-payload, and still answers 204', async () => {
    const { post, get } = service();
    expect((await post('onboarding-status', { interviewId: 'b2', onboardingStatus: 42 })).status).toBe(204);
    expect((await post('watchlist', [1, 2, 3])).status).toBe(204);
    const view = await viewOf(await get('/sessions/b2'));
    expect(view.anomalies.map((a) => a.code)).toContain('invalid-payload');
    const lines = (await (await get('/records')).text()).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).body)).toEqual([
      { interviewId: 'b2', onboardingStatus: 42 },
      [1, 2, 3],
    ]);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('onboarding_deliveries_total{kind="onboarding-status",outcome="stored-invalid"} 1');
    expect(metrics).toMatch(/onboarding_anomalies_total\{code="invalid-payload"\} [1-9]/);
    // The record of no session is counted as the core reports it: refused, never uncorrelated.
    const own = replay(lines.join('\n')).anomalies();
    expect(own.map((a) => a.code)).toEqual(['invalid-payload']);
    expect(metrics).not.toContain('code="uncorrelated"');
  });

  it('refuses a body that is not JSON with 400 and a message saying so, and stores nothing', async () => {
    const { post, get } = service();
    const response = await post('onboarding-status', 'interviewId=a1');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/not JSON/);
    expect((await post('video-selfie', '')).status).toBe(400);
    expect(await (await get('/records')).text()).toBe('');
  });

  it('answers 404 for an unknown kind and 405 for another method, storing nothing', async () => {
    const { post, get, handler } = service();
    expect((await post('shiny-new-webhook', { interviewId: 'a1' })).status).toBe(404);
    expect((await post('poll', { onboardingStatus: 'UNKNOWN' })).status).toBe(404);
    const wrong = await handler(new Request('http://svc/webhooks/watchlist'), LOCAL);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await (await get('/records')).text()).toBe('');
  });

  it('refuses an oversized body with 413, declared or streamed', async () => {
    const { handler, get } = service({ maxBodyBytes: 100 });
    const big = JSON.stringify({ interviewId: 'a1', padding: 'x'.repeat(200) });
    const declared = await handler(
      new Request('http://svc/webhooks/video-selfie', { method: 'POST', body: big }),
      LOCAL,
    );
    expect(declared.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 30, i * 30 + 30)));
        controller.close();
      },
    });
    const streamed = await handler(
      new Request('http://svc/webhooks/video-selfie', { method: 'POST', body: chunks, duplex: 'half' } as RequestInit),
      LOCAL,
    );
    expect(streamed.status).toBe(413);
    const small = await handler(
      new Request('http://svc/webhooks/video-selfie', { method: 'POST', body: '{"interviewId":"a1"}' }),
      LOCAL,
    );
    expect(small.status).toBe(204);
    expect((await (await get('/records')).text()).trim().split('\n')).toHaveLength(1);
  });

  it('answers 204 only once the store has committed, and 503 when it cannot', async () => {
    const inner = createSqliteStore(join(dir, `slow${++n}.db`));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Store = {
      ...inner,
      append: async (records) => {
        await gate;
        return inner.append(records);
      },
    };
    const handler = createWebhookHandler({ store: slow });
    let answered = false;
    const pending = handler(
      new Request('http://svc/webhooks/video-selfie', { method: 'POST', body: '{"interviewId":"a1"}' }),
      LOCAL,
    ).then((response) => {
      answered = true;
      return response;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(204);

    const failing: Store = { ...inner, append: (): Promise<AppendOutcome[]> => Promise.reject(new Error('disk full')) };
    const messages: string[] = [];
    const broken = createWebhookHandler({ store: failing, log: (m) => messages.push(m) });
    const body = JSON.stringify({ interviewId: 'secret-person', onboardingStatus: 'ONBOARDING_FINISHED' });
    const response = await broken(
      new Request('http://svc/webhooks/onboarding-status', { method: 'POST', body }),
      LOCAL,
    );
    expect(response.status).toBe(503);
    expect(messages.join('\n')).toContain('disk full');
    // Bodies carry personal data: they are never logged.
    expect(messages.join('\n')).not.toContain('secret-person');
  });
});

describe('webhook handler: bodies kept as they arrived', () => {
  it('stores each body as its text, numbers and all, and exports lines that replay to the views it serves', async () => {
    const { post, get } = service();
    const deep = 2_000;
    const bodies = [
      '{"interviewId":"e1","onboardingStatus":"ID_VALIDATION_FINISHED","n":12345678901234567890,"x":1e400}',
      '{\n  "interviewId": "e1",\r\n  "onboardingStatus": "FACE_VALIDATION_FINISHED",\n  "n": 1.50\n}\n',
      '{"onboardingStatus":"ONBOARDING_FINISHED","interviewId":"e2","interviewId":"e1","__proto__":{"x":1}}',
      `{"interviewId":"e1","requestId":"r1","workHistory":{"deep":${'['.repeat(deep)}${']'.repeat(deep)}}}`,
      '\ufeff{"interviewId":"e3","ref":"w1"}',
    ];
    const kinds = ['onboarding-status', 'onboarding-status', 'onboarding-status', 'work-history', 'watchlist'];
    for (const [i, body] of bodies.entries()) expect((await post(kinds[i] as string, body)).status).toBe(204);
    const exported = await (await get('/records')).text();
    const lines = exported.trimEnd().split('\n');
    expect(lines).toHaveLength(bodies.length);
    lines.forEach((line, i) => {
      // The body's own text, its line breaks (whitespace between tokens) as spaces; a BOM is not text.
      const text = (bodies[i] as string).replace(/^\ufeff/, '').replace(/[\r\n]/g, ' ');
      expect(line.endsWith(`"body":${text}}`), line.slice(0, 120)).toBe(true);
      expect(() => JSON.parse(line)).not.toThrow();
    });
    const replayed = viewsOf(exported);
    for (const id of ['e1', 'e3']) {
      expect(await viewOf(await get(`/sessions/${id}`))).toEqual(JSON.parse(JSON.stringify(replayed.get(id))));
    }
    expect((await viewOf(await get('/sessions/e1'))).status).toBe('ONBOARDING_FINISHED');
  });

  it('acknowledges and stores exactly a body nested 100 000 levels deep, and keeps serving', async () => {
    const { post, get } = service();
    const depth = 100_000;
    const body = `{"interviewId":"deep1","ref":"w","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    expect((await post('watchlist', body)).status).toBe(204);
    expect((await post('watchlist', { interviewId: 'deep2', ref: 'w' })).status).toBe(204);
    const exported = await (await get('/records')).text();
    expect(exported.split('\n')[0]).toBe(`{"kind":"watchlist","receivedAt":"2026-11-25T10:00:00.000Z","body":${body}}`);
    expect((await get('/sessions/deep2')).status).toBe(200);
  });
});

describe('webhook handler: a store that fails', () => {
  /** A store whose reads fail (or never answer) from when `fail` is set. */
  function failing(mode: 'reject' | 'hang') {
    const inner = createSqliteStore(join(dir, `failing${++n}.db`));
    const state = { fail: false, pages: 0 };
    const broken = <T>(call: () => Promise<T>): Promise<T> =>
      !state.fail
        ? call()
        : mode === 'reject'
          ? Promise.reject(new Error('connection refused'))
          : new Promise<T>(() => {});
    const store: Store = {
      ...inner,
      sessionRecords: (id) => broken(() => inner.sessionRecords(id)),
      sessionIds: (after, limit) => broken(() => inner.sessionIds(after, limit)),
      view: (id) => broken(() => inner.view(id)),
      views: (query) => broken(() => inner.views(query)),
      viewChanges: (after, limit) => broken(() => inner.viewChanges(after, limit)),
      recordsAfter: (seq, limit) => {
        // An export fails after its first page.
        if (state.pages++ > 0 && state.fail) return broken(() => inner.recordsAfter(seq, limit));
        return inner.recordsAfter(seq, limit);
      },
      ping: () => broken(() => inner.ping()),
    };
    const messages: string[] = [];
    const handler = createWebhookHandler({ store, log: (m) => messages.push(m) });
    const get = (path: string) => handler(new Request(`http://svc${path}`), LOCAL);
    return { inner, state, handler, get, messages };
  }

  it('answers reads 503 (retry later), not 500, and /healthz says the store is down', async () => {
    const { inner, state, get, messages } = failing('reject');
    await inner.append([
      {
        text: JSON.stringify({
          kind: 'session-started',
          receivedAt: '2026-11-25T10:00:00Z',
          body: { interviewId: 'f1' },
        }),
      },
    ]);
    expect((await get('/healthz')).status).toBe(200);
    state.fail = true;
    for (const path of ['/sessions/f1', '/sessions', '/sessions/f1/records']) {
      const response = await get(path);
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(((await response.json()) as { error: string }).error).toBe('store-unavailable');
    }
    const health = await get('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      ok: false,
      store: 'down',
      message: expect.stringMatching(/connection refused/),
    });
    expect(await (await get('/metrics')).text()).toContain('onboarding_store_up 0');
    expect(messages.join('\n')).toMatch(/connection refused/);
    state.fail = false;
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/sessions/f1')).status).toBe(200);
    expect(await (await get('/metrics')).text()).toContain('onboarding_store_up 1');
  });

  it('aborts an export whose store fails after the first page, instead of ending it as if complete', async () => {
    const { inner, state, get } = failing('reject');
    const texts = Array.from({ length: 1500 }, (_, i) =>
      JSON.stringify({ kind: 'session-started', receivedAt: '2026-11-25T10:00:00Z', body: { interviewId: `x${i}` } }),
    );
    await inner.append(texts.map((text) => ({ text })));
    state.fail = true;
    const response = await get('/records');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow(/connection refused/);
  });

  it('keeps /metrics and /healthz answering while the store does not answer at all', async () => {
    const { state, get } = failing('hang');
    state.fail = true;
    const health = await get('/healthz');
    expect(health.status).toBe(503);
    expect(((await health.json()) as { message: string }).message).toMatch(/no answer within/);
    expect((await get('/metrics')).status).toBe(200);
  });
});

describe('webhook handler: reading', () => {
  it('answers 404 for a session no delivery names', async () => {
    const { get } = service();
    expect((await get('/sessions/nobody')).status).toBe(404);
    expect((await get('/sessions/nobody/records')).status).toBe(404);
  });

  it('serves a session records as JSON Lines that replay to the same view', async () => {
    const { post, get } = service();
    await post('onboarding-status', { interviewId: 'c3', onboardingStatus: 'ONBOARDING_FINISHED' });
    await post('onboarding-status', { interviewId: 'c3', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    await post('onboarding-status', { interviewId: 'c3', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    await post('onboarding-status', { interviewId: 'd4', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    const response = await get('/sessions/c3/records');
    expect(response.headers.get('content-type')).toMatch(/jsonl/);
    const lines = await response.text();
    expect(lines.trim().split('\n')).toHaveLength(3);
    const view = await viewOf(await get('/sessions/c3'));
    expect(view).toEqual(JSON.parse(JSON.stringify(viewsOf(lines).get('c3'))));
    expect(view.status).toBe('ONBOARDING_FINISHED');
    expect(view.anomalies.map((a) => a.code)).toEqual(expect.arrayContaining(['duplicate', 'late-delivery']));
    // The metrics count the anomalies each delivery brought, as the core reported them.
    const metrics = await (await get('/metrics')).text();
    const counted = (code: string) =>
      Number(new RegExp(`onboarding_anomalies_total\\{code="${code}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(counted('duplicate')).toBe(view.anomalies.filter((a) => a.code === 'duplicate').length);
    expect(counted('late-delivery')).toBe(view.anomalies.filter((a) => a.code === 'late-delivery').length);
  });

  it('counts in its metrics each anomaly the sessions show once, however deliveries interleave', async () => {
    const { post, get } = service();
    const status = (id: string, onboardingStatus: string) => ({ interviewId: id, onboardingStatus });
    // A record waiting for its session, tied to it only after another of that session was counted.
    await post('proof-of-payment', { requestId: 'q1', rfcIssuer: 'X' });
    await post('onboarding-status', status('m1', 'ID_VALIDATION_FINISHED'));
    await post('work-history', { interviewId: 'm1', requestId: 'q1', workHistory: {} });
    // Concurrent deliveries share commits: out of order, duplicated, decisions that disagree.
    const burst = [
      ['onboarding-status', status('m1', 'ONBOARDING_FINISHED')],
      ['onboarding-status', status('m2', 'ONBOARDING_FINISHED')],
      ['onboarding-status', status('m1', 'ID_VALIDATION_FINISHED')],
      ['onboarding-status', status('m2', 'FACE_VALIDATION_FINISHED')],
      ['onboarding-status', status('m2', 'MANUAL_REVIEW_APPROVED')],
      ['session-failed', { interviewId: 'm2' }],
      ['onboarding-status', status('m1', 'ONBOARDING_FINISHED')],
      ['work-history', { interviewId: 'm1', requestId: 'q1', workHistory: {} }],
    ] as const;
    const answers = await Promise.all(burst.map(([kind, body]) => post(kind, body)));
    expect(answers.every((response) => response.status === 204)).toBe(true);
    await post('onboarding-status', status('m2', 'ID_VALIDATION_FINISHED'));
    // A copy of the waiting record, now that the session is known: a duplicate there.
    await post('proof-of-payment', { requestId: 'q1', rfcIssuer: 'X' });

    const shown = new Map<string, number>();
    for (const id of ['m1', 'm2']) {
      for (const found of (await viewOf(await get(`/sessions/${id}`))).anomalies) {
        shown.set(found.code, (shown.get(found.code) ?? 0) + 1);
      }
    }
    expect([...shown.keys()]).toEqual(expect.arrayContaining(['duplicate', 'late-delivery', 'conflicting-decision']));
    const metrics = await (await get('/metrics')).text();
    const counted = new Map(
      [...metrics.matchAll(/^onboarding_anomalies_total\{code="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    expect(counted).toEqual(shown);
  });

  it('lists sessions in pages, filtered by status, decision and anomalies', async () => {
    const { post, get } = service();
    for (const id of ['s1', 's2', 's3', 's4', 's5']) {
      await post('onboarding-status', { interviewId: id, onboardingStatus: 'ID_VALIDATION_FINISHED' });
    }
    await post('onboarding-status', { interviewId: 's2', onboardingStatus: 'MANUAL_REVIEW_APPROVED' });
    await post('session-pending-review', { interviewId: 's4' });
    await post('onboarding-status', { interviewId: 's5', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    const ids = async (query: string) => {
      const page = (await (await get(`/sessions${query}`)).json()) as { sessions: SessionView[]; next: string | null };
      return { ids: page.sessions.map((v) => v.interviewId), next: page.next };
    };
    expect(await ids('?limit=2')).toEqual({ ids: ['s1', 's2'], next: 's2' });
    expect(await ids('?limit=2&after=s2')).toEqual({ ids: ['s3', 's4'], next: 's4' });
    expect(await ids('?limit=2&after=s4')).toEqual({ ids: ['s5'], next: null });
    expect(await ids('?status=ID_VALIDATION_FINISHED')).toEqual({ ids: ['s1', 's3', 's4', 's5'], next: null });
    expect(await ids('?decision=approved')).toEqual({ ids: ['s2'], next: null });
    // A page says there is a next one only when another session matches.
    expect(await ids('?decision=pending-review&limit=1')).toEqual({ ids: ['s4'], next: null });
    expect(await ids('?status=ID_VALIDATION_FINISHED&limit=2')).toEqual({ ids: ['s1', 's3'], next: 's3' });
    expect(await ids('?status=ID_VALIDATION_FINISHED&limit=2&after=s3')).toEqual({ ids: ['s4', 's5'], next: null });
    // Latest change first, paged by position; and by time of change, and by prefix.
    const recent = await ids('?order=recent&limit=2');
    expect(recent.ids).toEqual(['s5', 's4']);
    expect((await ids(`?order=recent&limit=2&after=${recent.next}`)).ids).toEqual(['s2', 's3']);
    expect((await ids('?changedSince=2026-11-25T10:00:00.006Z')).ids).toEqual(['s2', 's4', 's5']);
    expect((await ids('?prefix=s1')).ids).toEqual(['s1']);
    // Read as strictly as the records' times: no invented dates, no local time.
    for (const bad of ['yesterday', '2026-02-30T10:00:00Z', '2026-11-25T10:00:00', '12']) {
      const answer = await get(`/sessions?changedSince=${encodeURIComponent(bad)}`);
      expect(answer.status, bad).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toContain('ISO 8601');
    }
    expect((await ids('?changedSince=2026-11-25T11:00:00.006%2B01:00')).ids).toEqual(['s2', 's4', 's5']);
    expect((await get('/sessions?order=random')).status).toBe(400);
    expect(await ids('?anomalies=true')).toEqual({ ids: ['s5'], next: null });
    expect((await get('/sessions?status=DONE')).status).toBe(400);
    expect((await get('/sessions?limit=0')).status).toBe(400);
  });

  it('serves reads to loopback clients only, unless read headers are configured', async () => {
    const open = service();
    expect((await open.get('/sessions', {}, { remoteAddress: '203.0.113.9' })).status).toBe(401);
    expect((await open.get('/records', {}, { remoteAddress: '::1' })).status).toBe(200);
    expect((await open.get('/healthz', {}, { remoteAddress: '203.0.113.9' })).status).toBe(200);
    const guarded = service({ auth: { readHeaders: { 'X-Read-Token': 'r34d' } } });
    expect((await guarded.get('/sessions', {}, { remoteAddress: '127.0.0.1' })).status).toBe(401);
    expect((await guarded.get('/sessions', { 'x-read-token': 'nope' }, { remoteAddress: '203.0.113.9' })).status).toBe(
      401,
    );
    expect((await guarded.get('/sessions', { 'x-read-token': 'r34d' }, { remoteAddress: '203.0.113.9' })).status).toBe(
      200,
    );
  });
});

describe('webhook handler: embedding', () => {
  it('serves every route under its base path, the dashboard at the path with a slash, and nothing outside it', async () => {
    const { handler } = service({ basePath: '/hooks/onboarding/' });
    const call = (path: string, init: RequestInit = {}) => handler(new Request(`http://svc${path}`, init), LOCAL);
    const body = JSON.stringify({ interviewId: 'b1', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    expect((await call('/hooks/onboarding/webhooks/onboarding-status', { method: 'POST', body })).status).toBe(204);
    expect((await call('/webhooks/onboarding-status', { method: 'POST', body })).status).toBe(404);
    expect((await call('/hooks/onboarding/sessions/b1')).status).toBe(200);
    expect((await call('/hooks/onboardingx/sessions/b1')).status).toBe(404);
    expect((await call('/sessions/b1')).status).toBe(404);
    const bare = await call('/hooks/onboarding?x=1');
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/hooks/onboarding/?x=1');
    expect((await call('/hooks/onboarding/')).headers.get('content-type')).toMatch(/^text\/html/);
    // The rule serve's --base-path applies too: a leading slash, no query, fragment or space.
    for (const basePath of ['hooks', '/a b', '/a?b', '/a#b']) {
      expect(() => createWebhookHandler({ store: createSqliteStore(':memory:'), basePath }), basePath).toThrow(
        /basePath/,
      );
    }
  });

  it('without authentication accepts deliveries from this machine only, as serve listens on loopback only', async () => {
    const { handler } = service();
    const post = (info?: { remoteAddress?: string }) =>
      handler(
        new Request('http://svc/webhooks/session-started', { method: 'POST', body: '{"interviewId":"l1"}' }),
        info,
      );
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect((await post({ remoteAddress: address })).status, address).toBe(204);
    }
    for (const info of [{ remoteAddress: '203.0.113.9' }, { remoteAddress: '10.0.0.2' }, {}, undefined]) {
      const response = await post(info);
      expect(response.status, JSON.stringify(info)).toBe(401);
      expect(((await response.json()) as { message: string }).message).toMatch(
        /no authentication is configured, so deliveries are accepted from this machine only/,
      );
    }
    // Any authentication configured (an allowlist open to every address, say) lifts it.
    const open = service({ auth: { allowIps: ['0.0.0.0/0', '::/0'] } });
    expect(
      (
        await open.handler(
          new Request('http://svc/webhooks/session-started', { method: 'POST', body: '{"interviewId":"l2"}' }),
          { remoteAddress: '203.0.113.9' },
        )
      ).status,
    ).toBe(204);
  });
});
