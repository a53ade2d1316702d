/**
 * Delivery records into typed evidence. Each webhook kind's body is parsed here, by the schema in
 * `BODY_PARSERS`. Nothing from outside makes this throw: a problem becomes a finding that names
 * the field, what was expected and what arrived.
 */
import type { DeliveryKey, EvidenceEvent, Finding, Millis, Outcome, RecordSource } from '../types.js';
import { isWebhookKind, KIND_FACTS, type RecordKind } from '../vendor/kinds.js';
import { isOnboardingStatus, STATUS_FACTS } from '../vendor/statuses.js';
import { type FieldDetail, finding } from './anomaly.js';
import { type BodyData, type BodySchema, bodySchema, type FieldRule } from './body-schema.js';
import { cut, describeValue, hashJson, type JsonValue, quote, toPlainJson } from './json.js';
import type { DeliveryRecord } from './record.js';
import { isoTime, parseTime, TIME_FORMAT } from './time.js';

/** A record read into evidence: where it belongs, what it proves, and what was odd about it. */
export interface ParsedRecord {
  /** The record's kind as it arrived (`undefined` when it had none that could be read). */
  readonly kind: string | undefined;
  /** The kind is one this version knows (a webhook kind or `poll`). */
  readonly knownKind: boolean;
  /**
   * The envelope could not be read (not an object, no kind, no valid `receivedAt`, no body): the
   * record is reported, never applied.
   */
  readonly refused: boolean;
  /** When it was received; `undefined` for a record refused without a valid time. */
  readonly at: Millis | undefined;
  /** Its delivery: copies of one webhook share it (kind and canonical body). */
  readonly key: DeliveryKey;
  /** The session it names, when it names one. */
  readonly sessionId: string | undefined;
  /** Ids that can lead to a session when it names none (`requestId:…`, `identity:…`), sorted. */
  readonly correlation: readonly string[];
  /** The evidence, absent when the record proves nothing (refused, unreadable body, unknown kind). */
  readonly event: EvidenceEvent | undefined;
  /** A watchlist update's search `ref`. */
  readonly ref?: string;
  /** What was odd about the record itself, whatever else arrived. */
  readonly findings: readonly Finding[];
  readonly source: RecordSource | undefined;
}

type EventDraft = DistributiveOmit<EvidenceEvent, 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface BodyReading {
  readonly sessionId?: string;
  readonly correlation?: readonly string[];
  readonly event?: EventDraft;
  readonly ref?: string;
  readonly findings?: readonly Finding[];
}

type Body = Readonly<Record<string, JsonValue>>;
type Envelope = Readonly<Record<string, JsonValue>>;

/** Reads one kind's body; `at` is the record's receivedAt. */
type BodyParser = (body: Body, envelope: Envelope, at: Millis) => BodyReading;

function fieldAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** An `invalid-payload` finding about one field of a kind's body. */
function invalidField(kind: string, field: string, expected: string, got: string, consequence: string): Finding {
  return finding('invalid-payload', `${kind} body: field "${field}" expected ${expected}, got ${got}; ${consequence}`, {
    field,
    expected,
    got,
  });
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/**
 * Read a body with its schema: a body that fits is its own data; one that does not gives one
 * `invalid-payload` finding per bad field, and no data.
 */
function readWith<S extends Readonly<Record<string, FieldRule>>>(
  schema: BodySchema<S>,
  body: Body,
  kind: string,
): { data?: BodyData<S>; findings: readonly Finding[] } {
  if (schema.fits(body)) return { data: body, findings: NO_FINDINGS };
  return {
    findings: schema
      .issues(body)
      .map(({ field, expected }) =>
        invalidField(
          kind,
          field,
          expected,
          describeValue(fieldAt(body, [field])),
          'the delivery is kept but proves nothing',
        ),
      ),
  };
}

function stringField(body: unknown, ...names: string[]): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  for (const name of names) {
    if (!Object.hasOwn(body, name)) continue;
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/** The identity ids a body carries (a face authentication names the identity, not the session). */
const identityKeys = (body: Body): string[] => {
  const keys = new Set<string>();
  for (const name of ['identityId', 'customerId']) {
    const value = stringField(body, name);
    if (value !== undefined) keys.add(`identity:${value}`);
  }
  return [...keys].sort();
};

const requestKeys = (body: Body): string[] => {
  const value = stringField(body, 'requestId');
  return value === undefined ? [] : [`requestId:${value}`];
};

/** A status from a webhook or a poll: known, unknown (kept, reported), or never a webhook. */
function readStatus(status: string, requestedAt?: Millis): BodyReading {
  if (!isOnboardingStatus(status)) {
    return {
      findings: [
        finding(
          'unknown-status',
          `status ${quote(status)} is not one this version knows; the delivery is kept, and a newer version may read it`,
          { field: 'onboardingStatus', expected: 'a documented onboarding status', got: quote(status) },
        ),
      ],
    };
  }
  if (requestedAt === undefined && !STATUS_FACTS[status].webhook) {
    return {
      findings: [
        finding('unknown-status', `status "${status}" is never sent as a webhook, only returned by a poll`, {
          field: 'onboardingStatus',
          expected: 'a status the vendor sends as a webhook',
          got: JSON.stringify(status),
        }),
      ],
    };
  }
  return { event: requestedAt === undefined ? { type: status } : { type: status, requestedAt } };
}

const OUTCOME_WORDS: Readonly<Record<string, Outcome>> = {
  PASS: 'succeeded',
  SUCCESS: 'succeeded',
  SUCCEEDED: 'succeeded',
  OK: 'succeeded',
  TRUE: 'succeeded',
  FAIL: 'failed',
  FAILED: 'failed',
  FAILURE: 'failed',
  FALSE: 'failed',
};

/** The outcome of a face authentication, from whichever field the body carries it in. */
function outcomeOf(body: Body): Outcome | undefined {
  if (typeof body.success === 'boolean') return body.success ? 'succeeded' : 'failed';
  for (const name of ['overallStatus', 'status', 'result']) {
    const value = Object.hasOwn(body, name) ? body[name] : undefined;
    if (typeof value === 'string')
      return Object.hasOwn(OUTCOME_WORDS, value.toUpperCase()) ? OUTCOME_WORDS[value.toUpperCase()] : undefined;
  }
  return undefined;
}

const sessionBody = bodySchema({ interviewId: 'non-empty' });

/** Session webhooks share one shape: at least the session's `interviewId`. */
const sessionParser =
  (
    type:
      | 'session-started'
      | 'session-progress'
      | 'session-pending-review'
      | 'session-succeeded'
      | 'session-failed'
      | 'identity-enrolled',
  ): BodyParser =>
  (body) => {
    const { data, findings } = readWith(sessionBody, body, type);
    return { sessionId: data?.interviewId, correlation: identityKeys(body), event: data && { type }, findings };
  };

/**
 * Webhooks tied by the request (work history, proof of payment): the session the body names if
 * any, correlated by its request ids.
 */
const requestParser =
  <S extends Readonly<Record<string, FieldRule>>>(
    type: 'work-history' | 'proof-of-payment',
    schema: BodySchema<S>,
  ): BodyParser =>
  (body) => {
    const { data, findings } = readWith(schema, body, type);
    return {
      sessionId: stringField(body, 'interviewId'),
      correlation: requestKeys(body),
      findings,
      event: data && { type },
    };
  };

/** The body schemas, built once. */
export const SCHEMAS = {
  session: sessionBody,
  onboardingStatus: bodySchema({ interviewId: 'non-empty', onboardingStatus: 'non-empty' }),
  pollError: bodySchema({ status: 'number', error: 'string' }),
  poll: bodySchema({ onboardingStatus: 'non-empty' }),
  watchlist: bodySchema({ interviewId: 'non-empty', ref: 'non-empty' }),
  workHistory: bodySchema({ workHistory: 'object' }),
  proofOfPayment: bodySchema({ requestId: 'non-empty' }),
  authentication: bodySchema({ interviewId: 'non-empty', overallStatus: ['PASS', 'FAIL'] }),
  ineScraping: bodySchema({ InterviewId: 'non-empty', ScrapingStatus: ['IN_PROGRESS', 'FINISHED'] }),
} as const;

/** A poll record's own fields: the session polled, and when the request was sent. */
function readPoll(body: Body, envelope: Envelope, at: Millis): BodyReading {
  const sessionId = stringField(envelope, 'interviewId');
  const problems: Finding[] = [];
  if (sessionId === undefined) {
    const got = describeValue(envelope.interviewId);
    problems.push(
      finding('invalid-payload', `poll record: field "interviewId" expected the polled session, got ${got}`, {
        field: 'interviewId',
        expected: 'a non-empty string',
        got,
      }),
    );
  }
  const requestedText = envelope.requestedAt;
  let requestedAt = typeof requestedText === 'string' ? parseTime(requestedText) : undefined;
  if (requestedAt === undefined) {
    const got = describeValue(requestedText);
    problems.push(
      finding(
        'invalid-payload',
        `poll record: field "requestedAt" expected ${TIME_FORMAT}, got ${got}; without it a stale poll cannot be recognised`,
        { field: 'requestedAt', expected: TIME_FORMAT, got },
      ),
    );
  } else if (requestedAt > at) {
    problems.push(
      finding(
        'invalid-payload',
        `poll record: requestedAt ${isoTime(requestedAt)} is later than its receivedAt ${isoTime(at)}, which is impossible; it counts as sent at its receivedAt`,
        { field: 'requestedAt', expected: 'a time no later than receivedAt', got: isoTime(requestedAt) },
      ),
    );
    requestedAt = at;
  }
  if (SCHEMAS.pollError.fits(body) && fieldAt(body, ['onboardingStatus']) === undefined) {
    const message = stringField(body, 'message') ?? body.error;
    problems.push(
      finding(
        'invalid-payload',
        `poll answered an error (${body.status} ${cut(body.error, 40)}: ${cut(message)}); it is no evidence of a status`,
        { field: 'onboardingStatus', expected: 'a status', got: `an error ${body.status}` },
      ),
    );
    return { sessionId, findings: problems };
  }
  const { data, findings } = readWith(SCHEMAS.poll, body, 'poll');
  problems.push(...findings);
  // A poll without its session or its send time proves nothing; an impossible send time still does.
  if (!data || sessionId === undefined || requestedAt === undefined) return { sessionId, findings: problems };
  const status = readStatus(data.onboardingStatus, requestedAt);
  return { sessionId, ...status, findings: [...problems, ...(status.findings ?? [])] };
}

/** How each kind's body is read: where it is parsed, and what evidence it gives. */
export const BODY_PARSERS: Readonly<Record<RecordKind, BodyParser>> = {
  'onboarding-status': (body) => {
    const { data, findings } = readWith(SCHEMAS.onboardingStatus, body, 'onboarding-status');
    if (!data) return { sessionId: stringField(body, 'interviewId'), findings };
    return { sessionId: data.interviewId, ...readStatus(data.onboardingStatus) };
  },
  poll: readPoll,
  'video-selfie': (body) => {
    const { data, findings } = readWith(sessionBody, body, 'video-selfie');
    return { sessionId: data?.interviewId, event: data && { type: 'video-selfie' }, findings };
  },
  watchlist: (body) => {
    const { data, findings } = readWith(SCHEMAS.watchlist, body, 'watchlist');
    return {
      sessionId: data?.interviewId ?? stringField(body, 'interviewId'),
      event: data && { type: 'watchlist' },
      ...(data ? { ref: data.ref } : {}),
      findings,
    };
  },
  'face-authentication': (body) => {
    const sessionId = stringField(body, 'interviewId');
    const correlation = identityKeys(body);
    const problems: Finding[] = [];
    if (sessionId === undefined && correlation.length === 0) {
      problems.push(
        finding(
          'invalid-payload',
          'face-authentication body: expected "interviewId" or an identity id ("identityId", "customerId"), got neither',
          { field: 'interviewId', expected: 'interviewId, identityId or customerId', got: 'nothing' },
        ),
      );
    }
    const outcome = outcomeOf(body);
    if (outcome === undefined) {
      const got = describeValue(body.success ?? body.status ?? body.result);
      problems.push(
        finding(
          'invalid-payload',
          `face-authentication body: expected a success or failure ("success": true/false, or "status"/"result" PASS/FAIL), got ${got}`,
          { field: 'success', expected: 'a success or failure', got },
        ),
      );
    }
    return {
      sessionId,
      correlation,
      findings: problems,
      event: outcome && { type: 'face-authentication', outcome },
    };
  },
  'work-history': requestParser('work-history', SCHEMAS.workHistory),
  'proof-of-payment': requestParser('proof-of-payment', SCHEMAS.proofOfPayment),
  'session-started': sessionParser('session-started'),
  'session-progress': sessionParser('session-progress'),
  'session-pending-review': sessionParser('session-pending-review'),
  'session-succeeded': sessionParser('session-succeeded'),
  'session-failed': sessionParser('session-failed'),
  'identity-enrolled': sessionParser('identity-enrolled'),
  authentication: (body) => {
    const { data, findings } = readWith(SCHEMAS.authentication, body, 'authentication');
    return {
      sessionId: stringField(body, 'interviewId'),
      correlation: identityKeys(body),
      findings,
      event: data && { type: 'authentication', outcome: data.overallStatus === 'PASS' ? 'succeeded' : 'failed' },
    };
  },
  'ine-scraping': (body) => {
    const { data, findings } = readWith(SCHEMAS.ineScraping, body, 'ine-scraping');
    return {
      sessionId: stringField(body, 'InterviewId', 'interviewId'),
      findings,
      event: data && { type: 'ine-scraping', progress: data.ScrapingStatus },
    };
  },
};

const isObject = (value: unknown): value is Record<string, JsonValue> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const NO_IDS: readonly string[] = [];

/** A record reported and never applied: its envelope cannot be read. */
function refusedRecord(
  kind: string | undefined,
  at: Millis | undefined,
  sessionId: string | undefined,
  key: number,
  found: Finding,
  source: RecordSource | undefined,
): ParsedRecord {
  return {
    kind,
    knownKind: kind !== undefined && (kind === 'poll' || isWebhookKind(kind)),
    refused: true,
    at,
    key: key as DeliveryKey,
    sessionId,
    correlation: NO_IDS,
    event: undefined,
    ref: undefined,
    findings: [found],
    source,
  };
}

/** The session a record seems to name, for a record that cannot be read as its kind. */
const guessSession = (input: Envelope): string | undefined =>
  stringField(input, 'interviewId') ?? stringField(input.body, 'interviewId', 'InterviewId');

/** A record refused for one field of its envelope. */
function refuseField(
  input: Envelope,
  kind: string | undefined,
  at: Millis | undefined,
  source: RecordSource | undefined,
  field: string,
  expected: string,
): ParsedRecord {
  const described = describeValue(input[field]);
  return refusedRecord(
    kind,
    at,
    guessSession(input),
    hashJson(input, 'record'),
    finding(
      'invalid-payload',
      `delivery record: field "${field}" expected ${expected}, got ${described}; the record cannot be applied`,
      { field, expected, got: described } satisfies FieldDetail,
    ),
    source,
  );
}

/** An evidence event from its draft and the record's receivedAt (one shape per kind of event). */
function eventAt(draft: EventDraft, at: Millis): EvidenceEvent {
  if ('requestedAt' in draft) return { type: draft.type, at, requestedAt: draft.requestedAt };
  if ('outcome' in draft) return { type: draft.type, at, outcome: draft.outcome } as EvidenceEvent;
  if ('progress' in draft) return { type: draft.type, at, progress: draft.progress } as EvidenceEvent;
  return { type: draft.type, at } as EvidenceEvent;
}

/** Read a record that is plain JSON data (what `JSON.parse` returns). Never throws. */
function readPlain(input: JsonValue, source: RecordSource | undefined): ParsedRecord {
  if (!isObject(input)) {
    const got = describeValue(input);
    return refusedRecord(
      undefined,
      undefined,
      undefined,
      hashJson(input, 'record'),
      finding('invalid-payload', `a delivery record must be a JSON object, got ${got}`, {
        field: '(record)',
        expected: 'an object',
        got,
      }),
      source,
    );
  }
  const kind = typeof input.kind === 'string' && input.kind.length > 0 ? input.kind : undefined;
  const receivedAt = typeof input.receivedAt === 'string' ? input.receivedAt : undefined;
  const at = receivedAt === undefined ? undefined : parseTime(receivedAt);
  if (kind === undefined) return refuseField(input, kind, at, source, 'kind', 'a webhook kind or "poll"');
  if (at === undefined) return refuseField(input, kind, at, source, 'receivedAt', TIME_FORMAT);
  if (!isObject(input.body)) return refuseField(input, kind, at, source, 'body', 'the vendor body as a JSON object');
  const body = input.body;

  if (kind !== 'poll' && !isWebhookKind(kind)) {
    return {
      kind,
      knownKind: false,
      refused: false,
      at,
      key: hashJson(body, kind) as DeliveryKey,
      sessionId: guessSession(input),
      correlation: NO_IDS,
      event: undefined,
      ref: undefined,
      findings: [
        finding(
          'unknown-kind',
          `kind ${quote(kind)} is not a webhook this version knows; the delivery is kept, and a newer version may read it`,
          { field: 'kind', expected: 'a webhook kind of the vendor, or "poll"', got: quote(kind) },
        ),
      ],
      source,
    };
  }
  const reading = BODY_PARSERS[kind](body, input, at);
  const deprecated = kind === 'poll' ? undefined : KIND_FACTS[kind].deprecated;
  const findings =
    deprecated === undefined
      ? (reading.findings ?? NO_FINDINGS)
      : [...(reading.findings ?? NO_FINDINGS), deprecation(kind, deprecated)];
  // Copies of one webhook share kind and body; a watchlist delivery and a poll are each their own.
  const key =
    kind === 'poll'
      ? hashJson(body, kind, stringField(input, 'interviewId') ?? '', String(input.requestedAt), at)
      : KIND_FACTS[kind].everyDeliveryCounts
        ? hashJson(body, kind, at)
        : hashJson(body, kind);
  return {
    kind,
    knownKind: true,
    refused: false,
    at,
    key: key as DeliveryKey,
    sessionId: reading.sessionId,
    correlation: reading.correlation ?? NO_IDS,
    event: reading.event === undefined ? undefined : eventAt(reading.event, at),
    ref: reading.ref,
    findings,
    source,
  };
}

const deprecations = new Map<string, Finding>();

/** The finding of a webhook the vendor deprecated (derived from its kind, so never stored). */
export function deprecation(kind: string, why: string): Finding {
  let found = deprecations.get(kind);
  if (found === undefined) {
    found = finding('deprecated-webhook', `the ${kind} webhook is deprecated: ${why}`);
    deprecations.set(kind, found);
  }
  return found;
}

/**
 * Read one delivery record: any value a host passes (getters that throw, cycles, BigInts,
 * Proxies included). Never throws: an envelope that cannot be read (not an object, no kind, no
 * valid `receivedAt`) gives a refused record with its finding; a body that cannot be read as its
 * kind is kept with `invalid-payload` findings and no evidence.
 */
export function parseRecord(input: DeliveryRecord | unknown, source?: RecordSource): ParsedRecord {
  const plain = toPlainJson(input);
  if (!plain.ok) {
    return refusedRecord(
      undefined,
      undefined,
      undefined,
      hashJson(null, 'unreadable', plain.field, plain.problem),
      finding('invalid-payload', `the record cannot be read as JSON: ${plain.problem} (at ${plain.field})`, {
        field: plain.field,
        expected: 'a JSON value',
        got: plain.problem,
      }),
      source,
    );
  }
  return readPlain(plain.value, source);
}

/** Read one line of a JSON Lines log: a line that is not JSON is refused with a finding. */
export function parseLine(line: string, source?: RecordSource): ParsedRecord {
  let value: JsonValue;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const reason = cut(error instanceof Error ? error.message : String(error), 120);
    return refusedRecord(
      undefined,
      undefined,
      undefined,
      hashJson(line, 'line'),
      finding('invalid-payload', `the line is not JSON (${reason}); it cannot be read as a delivery record`, {
        field: '(line)',
        expected: 'a JSON object',
        got: describeValue(line),
      }),
      source,
    );
  }
  return readPlain(value, source);
}
