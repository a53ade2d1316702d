/**
 * SPEC 1.2, 1.3 and 2.1: each kind of delivery record is read into the right evidence for the
 * right session; what cannot be read is reported with a message that names the field, what was
 * expected and what arrived (law 7); copies of one webhook share one identity (law 3).
 */
import { describe, expect, it } from 'vitest';
import { type Finding, KIND_FACTS, type ParsedRecord, parseLine, parseRecord, WEBHOOK_KINDS } from '../../src/index.js';

const AT = '2026-11-25T10:00:00.000Z';
const LATER = '2026-11-25T10:30:00.000Z';

/** Read a record that must be accepted (the envelope is valid). */
function read(kind: string, body: unknown, extra: Record<string, unknown> = {}): ParsedRecord {
  const parsed = parseRecord({ kind, receivedAt: AT, body, ...extra });
  if (parsed.refused) throw new Error(`record refused: ${parsed.findings[0]?.message}`);
  return parsed;
}

/** Read a record that must be refused (the envelope is not valid): its one finding. */
function refused(input: unknown): ParsedRecord & { readonly anomaly: Finding } {
  const parsed = isParsed(input) ? input : parseRecord(input);
  if (!parsed.refused) throw new Error(`record accepted: ${JSON.stringify(input)}`);
  expect(parsed.findings).toHaveLength(1);
  return { ...parsed, anomaly: parsed.findings[0] };
}

const isParsed = (value: unknown): value is ParsedRecord =>
  typeof value === 'object' && value !== null && 'refused' in value && 'findings' in value;

const codes = (parsed: ParsedRecord) => parsed.findings.map((a) => a.code);

/**
 * The record proves nothing and has an `invalid-payload` anomaly for `field` whose message names
 * the field, what was expected and what arrived.
 */
function expectInvalid(parsed: ParsedRecord, field: string, expected: RegExp, got: RegExp): Finding {
  expect(parsed.event).toBeUndefined();
  const problem = parsed.findings.find((a) => a.code === 'invalid-payload' && a.field === field);
  expect(problem, `an invalid-payload anomaly on "${field}" in ${JSON.stringify(parsed.findings)}`).toBeDefined();
  const anomaly = problem as Finding;
  expect(anomaly.severity).toBe('error');
  expect(anomaly.expected).toMatch(expected);
  expect(anomaly.got).toMatch(got);
  expect(anomaly.message).toContain(field);
  expect(anomaly.message).toContain(anomaly.expected as string);
  expect(anomaly.message).toContain(anomaly.got as string);
  return anomaly;
}

const MISSING = /missing/;

describe('SPEC 1.2: the webhook kinds', () => {
  it('knows exactly the fourteen webhook kinds of SPEC 1.2', () => {
    expect([...WEBHOOK_KINDS].sort()).toEqual(
      [
        'onboarding-status',
        'video-selfie',
        'watchlist',
        'face-authentication',
        'work-history',
        'proof-of-payment',
        'session-started',
        'session-progress',
        'session-failed',
        'session-succeeded',
        'session-pending-review',
        'identity-enrolled',
        'authentication',
        'ine-scraping',
      ].sort(),
    );
  });

  it('marks authentication and ine-scraping, and only those, as deprecated', () => {
    const deprecated = WEBHOOK_KINDS.filter((kind) => KIND_FACTS[kind].deprecated !== undefined);
    expect([...deprecated].sort()).toEqual(['authentication', 'ine-scraping']);
    expect(KIND_FACTS.authentication.deprecated).toMatch(/2026-10-01/);
    expect(KIND_FACTS.authentication.deprecated).toMatch(/2027-04-01/);
  });
});

describe('onboarding-status', () => {
  it('reads the status as evidence for the session named by interviewId', () => {
    const parsed = read('onboarding-status', { interviewId: 'a1', onboardingStatus: 'FACE_VALIDATION_FINISHED' });
    expect(parsed.knownKind).toBe(true);
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toEqual({ type: 'FACE_VALIDATION_FINISHED', at: Date.parse(AT) });
    expect(parsed.event).not.toHaveProperty('requestedAt');
    expect(parsed.findings).toEqual([]);
  });

  it('accepts the fields also seen (clientId, flowId, externalId) and any unknown extra field', () => {
    const parsed = read('onboarding-status', {
      interviewId: 'a1',
      onboardingStatus: 'ONBOARDING_FINISHED',
      clientId: 'acme',
      flowId: 'f1',
      externalId: 'x-9',
      somethingNew: { nested: [1, 2] },
    });
    expect(parsed.event?.type).toBe('ONBOARDING_FINISHED');
    expect(parsed.findings).toEqual([]);
  });

  it('reports a missing interviewId as invalid-payload naming the field', () => {
    const parsed = read('onboarding-status', { onboardingStatus: 'ID_VALIDATION_FINISHED' });
    expectInvalid(parsed, 'interviewId', /string/, MISSING);
    expect(parsed.sessionId).toBeUndefined();
  });

  it('reports a status that is not a string, and keeps the session so it sees the anomaly', () => {
    const parsed = read('onboarding-status', { interviewId: 'a1', onboardingStatus: 42 });
    expectInvalid(parsed, 'onboardingStatus', /string/, /number 42/);
    expect(parsed.sessionId).toBe('a1');
  });

  it('reports an empty status as invalid-payload', () => {
    const parsed = read('onboarding-status', { interviewId: 'a1', onboardingStatus: '' });
    expectInvalid(parsed, 'onboardingStatus', /non-empty/, /""/);
  });

  it('reports a status this version does not know as unknown-status, keeping the delivery for its session', () => {
    const parsed = read('onboarding-status', {
      interviewId: 'a1',
      onboardingStatus: 'ID_VALIDATION_FINISHED_THIRD_ID',
    });
    expect(parsed.event).toBeUndefined();
    expect(parsed.sessionId).toBe('a1');
    expect(codes(parsed)).toEqual(['unknown-status']);
    const [problem] = parsed.findings;
    expect(problem.field).toBe('onboardingStatus');
    expect(problem.got).toContain('ID_VALIDATION_FINISHED_THIRD_ID');
    expect(problem.message).toContain('ID_VALIDATION_FINISHED_THIRD_ID');
  });

  it('reports UNKNOWN sent as a webhook as unknown-status (only a poll returns it)', () => {
    const parsed = read('onboarding-status', { interviewId: 'a1', onboardingStatus: 'UNKNOWN' });
    expect(parsed.event).toBeUndefined();
    expect(codes(parsed)).toEqual(['unknown-status']);
  });
});

describe('poll', () => {
  const poll = (body: unknown, extra: Record<string, unknown> = {}) =>
    read('poll', body, { interviewId: 'a1', requestedAt: '2026-11-25T09:59:59.700Z', ...extra });

  it('reads the polled status as evidence, with the moment the request was sent', () => {
    const parsed = poll({ onboardingStatus: 'GOVERNMENT_VALIDATION_FINISHED' });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toMatchObject({
      type: 'GOVERNMENT_VALIDATION_FINISHED',
      requestedAt: Date.parse('2026-11-25T09:59:59.700Z'),
      at: Date.parse(AT),
    });
    expect(parsed.findings).toEqual([]);
  });

  it('accepts UNKNOWN: a poll is the only place it comes from', () => {
    const parsed = poll({ onboardingStatus: 'UNKNOWN' });
    expect(parsed.event?.type).toBe('UNKNOWN');
    expect(parsed.findings).toEqual([]);
  });

  it('accepts unknown extra fields in the answer', () => {
    expect(poll({ onboardingStatus: 'ONBOARDING_FINISHED', extra: true }).findings).toEqual([]);
  });

  it('reports a poll record without interviewId as invalid-payload, naming the field', () => {
    const parsed = read('poll', { onboardingStatus: 'ONBOARDING_FINISHED' }, { requestedAt: AT });
    const problem = parsed.findings.find((a) => a.field === 'interviewId');
    expect(problem?.code).toBe('invalid-payload');
    expect(problem?.got).toMatch(MISSING);
    expect(problem?.message).toMatch(/"interviewId"/);
    expect(problem?.message).toMatch(/got nothing \(the field is missing\)/);
    expect(parsed.event).toBeUndefined();
  });

  it('reports an interviewId that is not a string with a message saying what arrived', () => {
    const parsed = read('poll', { onboardingStatus: 'ONBOARDING_FINISHED' }, { interviewId: 42, requestedAt: AT });
    const problem = parsed.findings.find((a) => a.field === 'interviewId');
    expect(problem?.got).toBe('number 42');
    expect(problem?.message).toContain('number 42');
  });

  it('reports a missing requestedAt: without it a stale poll cannot be recognised', () => {
    const parsed = read('poll', { onboardingStatus: 'ONBOARDING_FINISHED' }, { interviewId: 'a1' });
    const problem = expectInvalid(parsed, 'requestedAt', /ISO 8601/, MISSING);
    expect(problem.message).toMatch(/stale/);
    expect(parsed.sessionId).toBe('a1');
  });

  it('reports a requestedAt that is not a time', () => {
    const parsed = poll({ onboardingStatus: 'ONBOARDING_FINISHED' }, { requestedAt: 'yesterday' });
    expectInvalid(parsed, 'requestedAt', /ISO 8601/, /"yesterday"/);
  });

  it('reports an error answer of the status endpoint as no evidence, quoting its status and message', () => {
    const parsed = poll({
      timestamp: 1764064800000,
      status: 404,
      error: 'Not Found',
      message: 'Session not found',
      path: '/omni/get/onboarding/status',
    });
    expect(parsed.event).toBeUndefined();
    expect(parsed.sessionId).toBe('a1');
    expect(codes(parsed)).toEqual(['invalid-payload']);
    const [problem] = parsed.findings;
    expect(problem.field).toBe('onboardingStatus');
    expect(problem.got).toContain('404');
    expect(problem.message).toContain('404');
    expect(problem.message).toContain('Not Found');
    expect(problem.message).toContain('Session not found');
  });

  it('reports an answer without onboardingStatus as invalid-payload', () => {
    expectInvalid(poll({}), 'onboardingStatus', /string/, MISSING);
  });

  it('reports a polled status this version does not know as unknown-status', () => {
    const parsed = poll({ onboardingStatus: 'SOMETHING_NEW' });
    expect(parsed.event).toBeUndefined();
    expect(codes(parsed)).toEqual(['unknown-status']);
    expect(parsed.findings[0].message).toContain('SOMETHING_NEW');
  });
});

describe('video-selfie', () => {
  it('reads the upload as evidence for the session', () => {
    const parsed = read('video-selfie', { interviewId: 'a1', clientId: 'acme', flowId: 'f1' });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event?.type).toBe('video-selfie');
    expect(parsed.findings).toEqual([]);
  });

  it('accepts a body with only interviewId and unknown extra fields', () => {
    expect(read('video-selfie', { interviewId: 'a1', url: 'ignored' }).event?.type).toBe('video-selfie');
  });

  it('reports a missing interviewId as invalid-payload', () => {
    expectInvalid(read('video-selfie', { clientId: 'acme' }), 'interviewId', /string/, MISSING);
  });
});

describe('watchlist', () => {
  it('reads the update with its search ref, for the session', () => {
    const parsed = read('watchlist', { interviewId: 'a1', ref: 'w-1', search_id: 's-9' });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toMatchObject({ type: 'watchlist' });
    expect(parsed.ref).toBe('w-1');
    expect(parsed.findings).toEqual([]);
  });

  it('accepts unknown extra fields', () => {
    expect(read('watchlist', { interviewId: 'a1', ref: 'w-1', hits: 3 }).findings).toEqual([]);
  });

  it('reports a missing ref (the results cannot be fetched without it), keeping the session', () => {
    const parsed = read('watchlist', { interviewId: 'a1', search_id: 's-9' });
    expectInvalid(parsed, 'ref', /string/, MISSING);
    expect(parsed.sessionId).toBe('a1');
  });

  it('reports a ref that is not a string', () => {
    expectInvalid(read('watchlist', { interviewId: 'a1', ref: 17 }), 'ref', /string/, /number 17/);
  });

  it('reports a missing interviewId', () => {
    expectInvalid(read('watchlist', { ref: 'w-1' }), 'interviewId', /string/, MISSING);
  });
});

describe('face-authentication', () => {
  it('reads success: true as a succeeded attempt for the session', () => {
    const parsed = read('face-authentication', { interviewId: 'a1', success: true });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toMatchObject({ type: 'face-authentication', outcome: 'succeeded' });
    expect(parsed.findings).toEqual([]);
  });

  it('reads success: false as a failed attempt', () => {
    expect(read('face-authentication', { interviewId: 'a1', success: false }).event).toMatchObject({
      outcome: 'failed',
    });
  });

  it('reads a PASS/FAIL status or result word as the outcome', () => {
    expect(read('face-authentication', { interviewId: 'a1', status: 'FAIL' }).event).toMatchObject({
      outcome: 'failed',
    });
    expect(read('face-authentication', { interviewId: 'a1', result: 'PASS' }).event).toMatchObject({
      outcome: 'succeeded',
    });
  });

  it('accepts an identity id instead of interviewId, to be tied to a session later', () => {
    const parsed = read('face-authentication', { identityId: 'id-5', success: true });
    expect(parsed.sessionId).toBeUndefined();
    expect(parsed.correlation.some((id) => id.includes('id-5'))).toBe(true);
    expect(parsed.event).toMatchObject({ type: 'face-authentication', outcome: 'succeeded' });
    expect(parsed.findings).toEqual([]);
  });

  it('reports a body with neither interviewId nor an identity id, naming the fields it looked for', () => {
    const parsed = read('face-authentication', { success: true });
    const problem = parsed.findings.find((a) => a.code === 'invalid-payload' && a.field === 'interviewId');
    expect(problem).toBeDefined();
    expect(problem?.message).toContain('interviewId');
    expect(problem?.message).toContain('identityId');
    expect(problem?.message).toMatch(/got neither/);
  });

  it('reports a body with no success or failure, and gives no evidence', () => {
    const parsed = read('face-authentication', { interviewId: 'a1' });
    expect(parsed.event).toBeUndefined();
    const problem = parsed.findings.find((a) => a.code === 'invalid-payload' && a.field === 'success');
    expect(problem?.expected).toMatch(/success or failure/);
    expect(problem?.message).toMatch(/success or failure/);
  });

  it('reports an unreadable outcome with a message saying what arrived', () => {
    const parsed = read('face-authentication', { interviewId: 'a1', success: 'yes' });
    const problem = parsed.findings.find((a) => a.field === 'success');
    expect(problem?.got).toBe('string "yes"');
    expect(problem?.message).toContain('"yes"');
  });
});

describe('work-history (Mexico)', () => {
  const body = { interviewId: 'a1', requestId: 'r-7', workHistory: { employers: [] } };

  it('reads the result in the body for the session, keeping its requestId for correlation', () => {
    const parsed = read('work-history', body);
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toMatchObject({ type: 'work-history' });
    expect(parsed.correlation.some((id) => id.includes('r-7'))).toBe(true);
    expect(parsed.findings).toEqual([]);
  });

  it('accepts unknown extra fields', () => {
    expect(read('work-history', { ...body, other: 1 }).findings).toEqual([]);
  });

  it('reports a missing workHistory as invalid-payload, keeping the session', () => {
    const parsed = read('work-history', { interviewId: 'a1', requestId: 'r-7' });
    expectInvalid(parsed, 'workHistory', /.+/, MISSING);
    expect(parsed.sessionId).toBe('a1');
  });

  it('reports a workHistory that is not an object', () => {
    expectInvalid(read('work-history', { ...body, workHistory: 'none' }), 'workHistory', /.+/, /string "none"/);
  });
});

describe('proof-of-payment (Mexico)', () => {
  it('reads the invoice without interviewId: it waits to be correlated by requestId', () => {
    const parsed = read('proof-of-payment', { requestId: 'r-7', rfcIssuer: 'AAA010101AAA', totalCfdi: '100.00' });
    expect(parsed.sessionId).toBeUndefined();
    expect(parsed.event).toMatchObject({ type: 'proof-of-payment' });
    expect(parsed.correlation.some((id) => id.includes('r-7'))).toBe(true);
    expect(parsed.findings).toEqual([]);
  });

  it('uses interviewId when present', () => {
    expect(read('proof-of-payment', { requestId: 'r-7', interviewId: 'a1' }).sessionId).toBe('a1');
  });

  it('reports a missing requestId as invalid-payload', () => {
    expectInvalid(read('proof-of-payment', { rfcIssuer: 'AAA010101AAA' }), 'requestId', /string/, MISSING);
  });

  it('reports a requestId that is not a string', () => {
    expectInvalid(read('proof-of-payment', { requestId: 7 }), 'requestId', /string/, /number 7/);
  });
});

describe.each([
  'session-started',
  'session-progress',
  'session-failed',
  'session-succeeded',
  'session-pending-review',
  'identity-enrolled',
] as const)('%s', (kind) => {
  it('reads the lifecycle event for the session named by interviewId', () => {
    const parsed = read(kind, { interviewId: 'a1' });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event?.type).toBe(kind);
    expect(parsed.findings).toEqual([]);
  });

  it('accepts unknown extra fields (the common fields are not published)', () => {
    expect(read(kind, { interviewId: 'a1', flowId: 'f1', anything: [1] }).findings).toEqual([]);
  });

  it('reports a missing interviewId as invalid-payload', () => {
    expectInvalid(read(kind, { flowId: 'f1' }), 'interviewId', /string/, MISSING);
  });

  it('reports an interviewId that is not a string', () => {
    expectInvalid(read(kind, { interviewId: 7 }), 'interviewId', /string/, /number 7/);
  });
});

describe('identity-enrolled: the identity id', () => {
  it('keeps the identity id so face authentications can be tied to the session', () => {
    const parsed = read('identity-enrolled', { interviewId: 'a1', identityId: 'id-5' });
    expect(parsed.correlation.some((id) => id.includes('id-5'))).toBe(true);
  });
});

describe('authentication (deprecated)', () => {
  it('reads PASS as a succeeded login and reports the webhook as deprecated', () => {
    const parsed = read('authentication', { interviewId: 'a1', customerId: 'c-1', overallStatus: 'PASS', scores: {} });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toMatchObject({ type: 'authentication', outcome: 'succeeded' });
    expect(codes(parsed)).toEqual(['deprecated-webhook']);
    expect(parsed.findings[0].severity).toBe('warning');
    expect(parsed.findings[0].message).toMatch(/authentication/);
    expect(parsed.findings[0].message).toMatch(/2027-04-01/);
  });

  it('reads FAIL (with an errorCode) as a failed login', () => {
    const parsed = read('authentication', { interviewId: 'a1', overallStatus: 'FAIL', errorCode: 'E1' });
    expect(parsed.event).toMatchObject({ outcome: 'failed' });
  });

  it('reports an overallStatus other than PASS/FAIL, still noting the deprecation', () => {
    const parsed = read('authentication', { interviewId: 'a1', overallStatus: 'OK' });
    expectInvalid(parsed, 'overallStatus', /PASS.*FAIL/, /"OK"/);
    expect(codes(parsed)).toContain('deprecated-webhook');
  });

  it('reports a missing interviewId', () => {
    expectInvalid(read('authentication', { overallStatus: 'PASS' }), 'interviewId', /string/, MISSING);
  });
});

describe('ine-scraping (deprecated)', () => {
  it('reads FINISHED for the session named by InterviewId (capital I), reporting the deprecation', () => {
    const parsed = read('ine-scraping', { InterviewId: 'a1', ScrapingStatus: 'FINISHED' });
    expect(parsed.sessionId).toBe('a1');
    expect(parsed.event).toMatchObject({ type: 'ine-scraping', progress: 'FINISHED' });
    expect(codes(parsed)).toEqual(['deprecated-webhook']);
    expect(parsed.findings[0].message).toMatch(/ine-scraping/);
  });

  it('reads IN_PROGRESS', () => {
    expect(read('ine-scraping', { InterviewId: 'a1', ScrapingStatus: 'IN_PROGRESS' }).event).toMatchObject({
      progress: 'IN_PROGRESS',
    });
  });

  it('reports a ScrapingStatus other than IN_PROGRESS/FINISHED', () => {
    const parsed = read('ine-scraping', { InterviewId: 'a1', ScrapingStatus: 'DONE' });
    expectInvalid(parsed, 'ScrapingStatus', /IN_PROGRESS.*FINISHED/, /"DONE"/);
  });

  it('reports a lowercase interviewId as the wrong field, yet still finds the session', () => {
    const parsed = read('ine-scraping', { interviewId: 'a1', ScrapingStatus: 'FINISHED' });
    expectInvalid(parsed, 'InterviewId', /string/, MISSING);
    expect(parsed.sessionId).toBe('a1');
  });
});

describe('a kind this version does not know', () => {
  it('is kept for its session and reported as unknown-kind, naming the kind', () => {
    const parsed = read('shiny-new-webhook', { interviewId: 'b2', anything: 1 });
    expect(parsed.knownKind).toBe(false);
    expect(parsed.sessionId).toBe('b2');
    expect(parsed.event).toBeUndefined();
    expect(codes(parsed)).toEqual(['unknown-kind']);
    const [problem] = parsed.findings;
    expect(problem.field).toBe('kind');
    expect(problem.got).toContain('shiny-new-webhook');
    expect(problem.message).toContain('shiny-new-webhook');
    expect(parsed.kind).toBe('shiny-new-webhook');
  });

  it('is unknown-kind even when its name is an Object.prototype property', () => {
    for (const kind of ['__proto__', 'constructor', 'toString']) {
      expect(codes(read(kind, { interviewId: 'b2' }))).toEqual(['unknown-kind']);
    }
  });
});

describe('deprecated webhooks', () => {
  it.each(WEBHOOK_KINDS.filter((kind) => kind !== 'authentication' && kind !== 'ine-scraping'))(
    '%s is not reported as deprecated',
    (kind) => {
      expect(codes(read(kind, { interviewId: 'a1' }))).not.toContain('deprecated-webhook');
    },
  );
});

describe('the record envelope (SPEC 2.1)', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'text'],
    ['an array', [{ kind: 'video-selfie' }]],
  ])('refuses a record that is %s, saying a JSON object was expected', (_label, input) => {
    const result = refused(input);
    expect(result.anomaly.code).toBe('invalid-payload');
    expect(result.anomaly.message).toMatch(/JSON object/);
    expect(result.anomaly.got).toBeTruthy();
    expect(result.sessionId).toBeUndefined();
  });

  it.each([
    ['missing', undefined, MISSING],
    ['empty', '', /""/],
    ['not a string', 5, /number 5/],
  ])('refuses a record whose kind is %s', (_label, kind, got) => {
    const result = refused({ kind, receivedAt: AT, body: { interviewId: 'a1' } });
    expect(result.anomaly.code).toBe('invalid-payload');
    expect(result.anomaly.field).toBe('kind');
    expect(result.anomaly.got).toMatch(got);
    expect(result.anomaly.message).toContain('"kind"');
    expect(result.anomaly.message).toContain(result.anomaly.got as string);
  });

  it.each([
    ['missing', undefined, MISSING],
    ['not a time', 'yesterday', /"yesterday"/],
    ['a number', 1764064800000, /number/],
  ])('refuses a record whose receivedAt is %s', (_label, receivedAt, got) => {
    const result = refused({ kind: 'video-selfie', receivedAt, body: { interviewId: 'a1' } });
    expect(result.anomaly.code).toBe('invalid-payload');
    expect(result.anomaly.field).toBe('receivedAt');
    expect(result.anomaly.expected).toMatch(/ISO 8601/);
    expect(result.anomaly.got).toMatch(got);
    expect(result.anomaly.message).toContain('"receivedAt"');
    expect(result.anomaly.message).toContain('ISO 8601');
  });

  it.each([
    ['missing', undefined, MISSING],
    ['null', null, /null/],
    ['an array', [1], /array/],
    ['a string', '{"interviewId":"a1"}', /string/],
  ])('refuses a record whose body is %s', (_label, body, got) => {
    const result = refused({ kind: 'video-selfie', receivedAt: AT, body });
    expect(result.anomaly.code).toBe('invalid-payload');
    expect(result.anomaly.field).toBe('body');
    expect(result.anomaly.got).toMatch(got);
    expect(result.anomaly.message).toContain('"body"');
  });

  it('a refused record still names its session when the body does, so the session can report it', () => {
    const result = refused({ kind: 'video-selfie', receivedAt: 'not a time', body: { interviewId: 'a1' } });
    expect(result.sessionId).toBe('a1');
    expect(result.kind).toBe('video-selfie');
  });

  it('a record remembers its position in its input', () => {
    expect(parseRecord(null, { file: 'log.jsonl', line: 7 }).source).toEqual({ file: 'log.jsonl', line: 7 });
    const parsed = parseRecord(
      { kind: 'onboarding-status', receivedAt: AT, body: { interviewId: 'a1', onboardingStatus: 1 } },
      { line: 3 },
    );
    expect(parsed.source).toEqual({ line: 3 });
  });

  it('accepts the optional headers and id of a record', () => {
    const parsed = read('video-selfie', { interviewId: 'a1' }, { headers: { authorization: 'Bearer x' }, id: 'd-1' });
    expect(parsed.findings).toEqual([]);
    expect(parsed.event).toEqual({ type: 'video-selfie', at: Date.parse(AT) });
  });

  it('refuses a line that is not JSON, quoting the start of the line', () => {
    const result = refused(parseLine('this is not json', { line: 28 }));
    expect(result.anomaly.code).toBe('invalid-payload');
    expect(result.anomaly.message).toMatch(/not JSON/);
    expect(result.anomaly.got).toContain('this is not json');
    expect(result.source).toEqual({ line: 28 });
    expect(result.sessionId).toBeUndefined();
  });

  it('reads a JSON line exactly as parseRecord reads the value', () => {
    const record = { kind: 'video-selfie', receivedAt: AT, body: { interviewId: 'a1' } };
    expect(parseLine(JSON.stringify(record))).toEqual(parseRecord(record));
  });
});

describe('nothing from the vendor makes the parser throw (law 7)', () => {
  const junk: unknown[] = [
    undefined,
    null,
    true,
    0,
    Number.NaN,
    '',
    [],
    {},
    { kind: {} },
    { kind: 'poll' },
    { kind: 'poll', receivedAt: AT, body: {} },
    { kind: 'poll', receivedAt: AT, body: { onboardingStatus: { deep: [null] } }, interviewId: [], requestedAt: {} },
    { kind: 'poll', receivedAt: AT, body: { status: 'x', error: 5 }, interviewId: 'a1', requestedAt: AT },
    { kind: 'onboarding-status', receivedAt: AT, body: { interviewId: ['a'], onboardingStatus: null } },
    { kind: 'face-authentication', receivedAt: AT, body: { success: null, status: 3, result: {} } },
    { kind: 'face-authentication', receivedAt: AT, body: { identityId: 5, customerId: '' } },
    { kind: 'work-history', receivedAt: AT, body: { workHistory: null } },
    { kind: 'ine-scraping', receivedAt: AT, body: { InterviewId: null, ScrapingStatus: [] } },
    { kind: 'authentication', receivedAt: AT, body: { overallStatus: { PASS: true } } },
    { kind: 'watchlist', receivedAt: AT, body: JSON.parse('{"__proto__":{"ref":"x"},"interviewId":"a1"}') },
    { kind: 'hasOwnProperty', receivedAt: AT, body: {} },
  ];

  it.each(junk.map((value, i) => [i, value]))('junk record #%i gives a result, never an exception', (_i, value) => {
    let result: ParsedRecord | undefined;
    expect(() => {
      result = parseRecord(value);
    }).not.toThrow();
    // Every junk record above is wrong in some way, proves nothing, and names what is wrong.
    expect(result?.event).toBeUndefined();
    const problem = result?.findings.find((found) =>
      ['invalid-payload', 'unknown-kind', 'unknown-status'].includes(found.code),
    );
    expect(problem?.field).toBeDefined();
    expect(problem?.message).toContain((problem?.field ?? '').replace(/^\((.*)\)$/, '$1'));
  });

  it.each(['', ' ', '{', '[]', 'null', '42', '"text"', '{"kind":"poll"', '\u0000'])(
    'line %j gives a refused result, never an exception',
    (line) => {
      let result: ParsedRecord | undefined;
      expect(() => {
        result = parseLine(line);
      }).not.toThrow();
      expect(result?.refused).toBe(true);
    },
  );
});

describe('copies of one delivery (law 3)', () => {
  const key = (record: Record<string, unknown>) => {
    const parsed = parseRecord(record);
    if (parsed.refused) throw new Error(parsed.findings[0].message);
    return parsed.key;
  };
  const status = (receivedAt: string, body: Record<string, unknown>) =>
    key({ kind: 'onboarding-status', receivedAt, body });

  it('the same kind and body arriving at different times is one delivery', () => {
    const body = { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' };
    expect(status(LATER, body)).toBe(status(AT, body));
  });

  it('the order of the body’s fields does not matter, at any depth', () => {
    expect(status(AT, { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED', meta: { a: 1, b: 2 } })).toBe(
      status(LATER, { meta: { b: 2, a: 1 }, onboardingStatus: 'ONBOARDING_FINISHED', interviewId: 'a1' }),
    );
  });

  it('headers and a relay’s delivery id do not make a retry a different delivery', () => {
    const body = { interviewId: 'a1' };
    expect(
      key({ kind: 'video-selfie', receivedAt: LATER, body, headers: { authorization: 'Bearer 2' }, id: 'd-2' }),
    ).toBe(key({ kind: 'video-selfie', receivedAt: AT, body, headers: { authorization: 'Bearer 1' }, id: 'd-1' }));
  });

  it('a different body is a different delivery', () => {
    expect(status(AT, { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' })).not.toBe(
      status(AT, { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED', clientId: 'acme' }),
    );
    expect(status(AT, { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' })).not.toBe(
      status(AT, { interviewId: 'a2', onboardingStatus: 'ONBOARDING_FINISHED' }),
    );
  });

  it('the same body under a different kind is a different delivery (success is not failure)', () => {
    const body = { interviewId: 'a1' };
    expect(key({ kind: 'session-succeeded', receivedAt: AT, body })).not.toBe(
      key({ kind: 'session-failed', receivedAt: AT, body }),
    );
  });

  it('each watchlist delivery is its own, though every update of a search has the same body', () => {
    const body = { interviewId: 'a1', ref: 'w-1', search_id: 's-9' };
    expect(key({ kind: 'watchlist', receivedAt: LATER, body })).not.toBe(
      key({ kind: 'watchlist', receivedAt: AT, body }),
    );
  });

  it('the very same watchlist record read twice is still one delivery', () => {
    const body = { interviewId: 'a1', ref: 'w-1', search_id: 's-9' };
    expect(key({ kind: 'watchlist', receivedAt: AT, body })).toBe(key({ kind: 'watchlist', receivedAt: AT, body }));
  });

  it('each poll is its own observation, even with the same answer', () => {
    const poll = (requestedAt: string, receivedAt: string) =>
      key({ kind: 'poll', interviewId: 'a1', requestedAt, receivedAt, body: { onboardingStatus: 'UNKNOWN' } });
    const first = poll('2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.300Z');
    expect(poll('2026-11-25T10:01:00.000Z', '2026-11-25T10:01:00.300Z')).not.toBe(first);
    expect(poll('2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.900Z')).not.toBe(first);
    expect(poll('2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.300Z')).toBe(first);
  });

  it('the same poll answer for two sessions is two observations', () => {
    const poll = (interviewId: string) =>
      key({ kind: 'poll', interviewId, requestedAt: AT, receivedAt: AT, body: { onboardingStatus: 'UNKNOWN' } });
    expect(poll('a1')).not.toBe(poll('a2'));
  });
});
