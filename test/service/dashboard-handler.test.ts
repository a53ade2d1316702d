/**
 * The dashboard's two routes in-process: the page (`GET /`) and the machine trace it reads
 * (`GET /sessions/{id}/machines`), whose states and anomalies must be the core's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_SCRIPT } from '../../src/service/dashboard/client.js';
import type { SessionTrace } from '../../src/service/dashboard/index.js';
import { createWebhookHandler } from '../../src/service/handler.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { EVERY_KIND, replay } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'dashboard-handler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const LOCAL = { remoteAddress: '127.0.0.1' };

function service(readHeaders?: Record<string, string>) {
  const store = createSqliteStore(join(dir, `d${++n}.db`));
  let clock = Date.parse('2026-11-25T10:00:00.000Z');
  const handler = createWebhookHandler({ store, now: () => (clock += 1000), auth: readHeaders && { readHeaders } });
  const post = async (kind: string, body: object) => {
    const response = await handler(
      new Request(`http://svc/webhooks/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      LOCAL,
    );
    expect(response.status, kind).toBe(204);
  };
  const get = (path: string, init: RequestInit = {}, info = LOCAL) =>
    handler(new Request(`http://svc${path}`, init), info);
  return { post, get };
}

const status = (interviewId: string, onboardingStatus: string) => ({ interviewId, onboardingStatus });

describe('dashboard page', () => {
  it('serves one self-contained HTML page: a diagram state for every state a session can reach, nothing external', async () => {
    const { post, get } = service();
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    // No asset from anywhere: no src= or href= that leaves the page (the favicon is a data: URL).
    expect(html).not.toMatch(/\b(src|href)="(?!#|data:)/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    // Every state the machines reach with deliveries of every kind has a node to highlight.
    for (const [kind, body] of EVERY_KIND) await post(kind, body);
    const trace = (await (await get('/sessions/a1/machines')).json()) as SessionTrace;
    expect(trace.reached.length).toBeGreaterThan(20);
    for (const ref of trace.reached) expect(html).toContain(`data-state="${ref}"`);
  });

  it('sends a script the browser can parse and a policy that allows exactly that script', async () => {
    const { get } = service();
    // A raw string keeps the script as written: no interpolation slipped in.
    expect(CLIENT_SCRIPT).not.toContain('${');
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
    const response = await get('/');
    const html = await response.text();
    const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)?.[1];
    expect(script).toBe(CLIENT_SCRIPT);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256')
      .update(script as string)
      .digest('base64');
    expect(response.headers.get('content-security-policy')).toContain(`script-src 'sha256-${hash}'`);
  });

  it('answers GET only, and only to readers allowed to read sessions', async () => {
    const open = service();
    expect((await open.get('/', { method: 'POST' })).status).toBe(405);
    expect((await open.get('/', {}, { remoteAddress: '203.0.113.9' })).status).toBe(401);
    const guarded = service({ 'x-read-token': 'r3ad' });
    expect((await guarded.get('/')).status).toBe(401);
    expect((await guarded.get('/', { headers: { 'x-read-token': 'r3ad' } })).status).toBe(200);
  });
});

describe('GET /sessions/{id}/machines', () => {
  it('gives the current states, every state reached on the way, and what each record did, as the core folds them', async () => {
    const { post, get } = service();
    await post('onboarding-status', status('s1', 'ID_VALIDATION_FINISHED'));
    await post('onboarding-status', status('s1', 'ONBOARDING_FINISHED'));
    await post('onboarding-status', status('s1', 'POST_PROCESSING_FINISHED'));
    await post('onboarding-status', status('s1', 'MANUAL_REVIEW_APPROVED'));
    await post('onboarding-status', status('s1', 'MANUAL_REVIEW_REJECTED'));
    const response = await get('/sessions/s1/machines');
    expect(response.status).toBe(200);
    const trace = (await response.json()) as SessionTrace;

    expect(trace.machines.onboarding).toMatchObject({ progress: 'finished', id: 'final', review: 'conflict' });
    expect(trace.current).toContain('onboarding.review.conflict');
    expect(trace.current).not.toContain('onboarding.review.approved');
    // Reached: the initial states and every state passed through, not only where it ended.
    for (const ref of [
      'onboarding.progress.notStarted',
      'onboarding.progress.inProgress',
      'onboarding.id.preliminary',
      'onboarding.review.approved',
      'onboarding.review.conflict',
    ]) {
      expect(trace.reached).toContain(ref);
    }
    expect(trace.reached).not.toContain('onboarding.review.rejected');
    expect(trace.reached).not.toContain('onboarding.governmentValidation.preliminary');

    // Completion makes every module of the flow final (the diagram tells the view's story).
    expect(trace.steps.map((step) => step.entered)).toEqual([
      ['onboarding.progress.inProgress', 'onboarding.id.preliminary'],
      [
        'onboarding.progress.finished',
        'onboarding.id.final',
        'onboarding.secondId.final',
        'onboarding.face.final',
        'onboarding.governmentValidation.final',
        'onboarding.scores.final',
      ],
      [],
      ['onboarding.review.approved'],
      ['onboarding.review.conflict'],
    ]);
    expect(trace.steps.map((step) => step.anomalies.map((a) => a.code))).toEqual([
      [],
      [],
      ['late-delivery'],
      [],
      ['conflicting-decision'],
    ]);
    // The same anomalies as the session's view: the trace only says which record each came from.
    const records = await (await get('/sessions/s1/records')).text();
    const view = replay(records).view('s1');
    expect(trace.steps.flatMap((step) => step.anomalies)).toEqual(JSON.parse(JSON.stringify(view?.anomalies)));
    expect(trace.steps.map((step) => step.receivedAt)).toEqual(
      records
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).receivedAt),
    );
  });

  it('shows a correlated record waiting for its tie, and 404 for a session no delivery names', async () => {
    const { post, get } = service();
    await post('proof-of-payment', { requestId: 'r-1', rfcIssuer: 'AAA010101AAA', totalCfdi: '1.00' });
    await post('work-history', { interviewId: 'm1', requestId: 'r-1', workHistory: {} });
    const trace = (await (await get('/sessions/m1/machines')).json()) as SessionTrace;
    expect(trace.steps.map((step) => step.routed)).toEqual(['waiting', 'session']);
    expect(trace.machines.evidence).toMatchObject({ proofOfPayment: 'received', workHistory: 'received' });
    expect((await get('/sessions/nobody/machines')).status).toBe(404);
  });
});

describe('examples/dashboard/busy-morning.jsonl (the screenshot in docs/dashboard.md)', () => {
  it('holds ten sessions with every decision, and the selected one is the conflict the caption describes', async () => {
    const { readFileSync } = await import('node:fs');
    const ledger = replay(readFileSync('examples/dashboard/busy-morning.jsonl', 'utf8'));
    const { sessions } = ledger.snapshot();
    expect(sessions).toHaveLength(10);
    expect(new Set(sessions.map((view) => view.decision))).toEqual(
      new Set(['none', 'pending-review', 'approved', 'rejected', 'conflict']),
    );
    const selected = ledger.view('6561f0c2a9e4b7d9031a2b05');
    expect(selected?.decision).toBe('conflict');
    expect(selected?.pollRequested).toBe(true);
    expect(selected?.anomalies.map((a) => a.code).sort()).toEqual(['conflicting-decision', 'duplicate', 'duplicate']);
  });
});
