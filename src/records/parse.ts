/**
 * Delivery records (SPEC 2.1) into typed evidence. Each webhook kind's body is parsed here, by
 * the schema in `BODY_PARSERS`. Nothing from the vendor makes this throw: a problem becomes an
 * anomaly that names the field, what was expected and what arrived.
 */
import { z } from 'zod';
import type { Anomaly, DeliveryKey, EvidenceEvent, Millis, Outcome, RecordSource } from '../types.js';
import { isWebhookKind, KIND_FACTS, type RecordKind } from '../vendor/kinds.js';
import { isOnboardingStatus, STATUS_FACTS } from '../vendor/statuses.js';
import { type AnomalyContext, anomaly, describeValue } from './anomaly.js';
import { deliveryKey } from './key.js';

/** A delivery record as it arrives (SPEC 2.1): the one input format. */
export interface DeliveryRecord {
  /** A webhook kind of SPEC 1.2, or `poll`. */
  readonly kind: string;
  /** When the receiver got it, by its own clock (ISO 8601). */
  readonly receivedAt: string;
  /** The vendor's body as it arrived. */
  readonly body: unknown;
  /** For a poll: when the request was sent. */
  readonly requestedAt?: string;
  /** For a poll: the session polled. */
  readonly interviewId?: string;
  /** What authentication saw. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A delivery id, where a relay adds one. */
  readonly id?: string;
}

/** A record read into evidence: where it belongs, what it proves, and what was odd about it. */
export interface ParsedRecord {
  readonly record: DeliveryRecord;
  /** The kind is one this version knows. */
  readonly knownKind: boolean;
  readonly at: Millis;
  readonly key: DeliveryKey;
  /** The session (`interviewId`), when the record names it. */
  readonly sessionId: string | undefined;
  /** Other ids that can lead to a session (`requestId:…`, `identity:…`). */
  readonly correlation: readonly string[];
  /** The evidence, absent when the body could not be read as its kind. */
  readonly event: EvidenceEvent | undefined;
  /** What was odd about the record itself. */
  readonly anomalies: readonly Anomaly[];
  readonly source: RecordSource | undefined;
}

/** The result of reading a record: parsed, or refused with the reason (and session, if known). */
export type ParseResult =
  | { readonly ok: true; readonly parsed: ParsedRecord }
  | { readonly ok: false; readonly anomaly: Anomaly; readonly sessionId: string | undefined };

type EventDraft = DistributiveOmit<EvidenceEvent, 'key' | 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface BodyReading {
  readonly sessionId?: string;
  readonly correlation?: readonly string[];
  readonly event?: EventDraft;
  readonly anomalies?: readonly Anomaly[];
}

type BodyParser = (body: unknown, record: DeliveryRecord, where: AnomalyContext) => BodyReading;

const nonEmpty = z.string().min(1);

function fieldAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'string' ? 'a string' : issue.expected === 'record' ? 'an object' : `${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return 'a non-empty value';
    default:
      return issue.message;
  }
}

/** Read a body with a schema; a failure becomes one `invalid-payload` anomaly per bad field. */
function readWith<T>(schema: z.ZodType<T>, body: unknown, where: AnomalyContext): { data?: T; anomalies: Anomaly[] } {
  const result = schema.safeParse(body);
  if (result.success) return { data: result.data, anomalies: [] };
  return {
    anomalies: result.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
      const expected = expectedOf(issue);
      const got = describeValue(fieldAt(body, issue.path));
      return anomaly(
        'invalid-payload',
        `${where.kind} body: field "${field}" expected ${expected}, got ${got}; the delivery is kept but proves nothing`,
        where,
        { field, expected, got },
      );
    }),
  };
}

function stringField(body: unknown, ...names: string[]): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  for (const name of names) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

const identityKeys = (body: unknown): string[] => {
  const keys: string[] = [];
  for (const name of ['identityId', 'customerId']) {
    const value = stringField(body, name);
    if (value !== undefined) keys.push(`identity:${value}`);
  }
  return keys;
};

const requestKeys = (body: unknown): string[] => {
  const value = stringField(body, 'requestId');
  return value === undefined ? [] : [`requestId:${value}`];
};

/** A status from a webhook or a poll: known, unknown (kept, reported), or never a webhook. */
function readStatus(status: string, where: AnomalyContext, requestedAt?: Millis): BodyReading {
  if (!isOnboardingStatus(status)) {
    return {
      anomalies: [
        anomaly(
          'unknown-status',
          `status "${status}" is not one this version knows; the delivery is kept, and a newer version may read it`,
          where,
          { field: 'onboardingStatus', expected: 'a documented onboarding status', got: JSON.stringify(status) },
        ),
      ],
    };
  }
  if (requestedAt === undefined && !STATUS_FACTS[status].webhook) {
    return {
      anomalies: [
        anomaly('unknown-status', `status "${status}" is never sent as a webhook, only returned by a poll`, where, {
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
function outcomeOf(body: Record<string, unknown>): Outcome | undefined {
  if (typeof body.success === 'boolean') return body.success ? 'succeeded' : 'failed';
  for (const name of ['overallStatus', 'status', 'result']) {
    const value = body[name];
    if (typeof value === 'string') return OUTCOME_WORDS[value.toUpperCase()];
  }
  return undefined;
}

const sessionBody = z.object({ interviewId: nonEmpty });

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
  (body, _record, where) => {
    const { data, anomalies } = readWith(sessionBody, body, where);
    return { sessionId: data?.interviewId, correlation: identityKeys(body), event: data && { type }, anomalies };
  };

const objectBody = z.record(z.string(), z.unknown());

/** The body schemas, built once (building a zod schema costs far more than using it). */
const SCHEMAS = {
  onboardingStatus: z.object({ interviewId: nonEmpty, onboardingStatus: nonEmpty }),
  pollError: z.object({ status: z.number(), error: z.string() }),
  poll: z.object({ onboardingStatus: nonEmpty }),
  watchlist: z.object({ interviewId: nonEmpty, ref: nonEmpty }),
  workHistory: z.object({ workHistory: objectBody }),
  proofOfPayment: z.object({ requestId: nonEmpty }),
  authentication: z.object({ interviewId: nonEmpty, overallStatus: z.enum(['PASS', 'FAIL']) }),
  ineScraping: z.object({ InterviewId: nonEmpty, ScrapingStatus: z.enum(['IN_PROGRESS', 'FINISHED']) }),
} as const;

/** How each kind's body is read: where it is parsed, and what evidence it gives. */
export const BODY_PARSERS: Readonly<Record<RecordKind, BodyParser>> = {
  'onboarding-status': (body, _record, where) => {
    const { data, anomalies } = readWith(SCHEMAS.onboardingStatus, body, where);
    if (!data) return { sessionId: stringField(body, 'interviewId'), anomalies };
    return { sessionId: data.interviewId, ...readStatus(data.onboardingStatus, where) };
  },
  poll: (body, record, where) => {
    const requestedAt = record.requestedAt === undefined ? Number.NaN : Date.parse(record.requestedAt);
    const sessionId =
      typeof record.interviewId === 'string' && record.interviewId.length > 0 ? record.interviewId : undefined;
    const problems: Anomaly[] = [];
    if (sessionId === undefined) {
      problems.push(
        anomaly(
          'invalid-payload',
          `poll record: field "interviewId" expected the polled session, got ${describeValue(record.interviewId)}`,
          where,
          {
            field: 'interviewId',
            expected: 'a non-empty string',
            got: describeValue(record.interviewId),
          },
        ),
      );
    }
    if (Number.isNaN(requestedAt)) {
      problems.push(
        anomaly(
          'invalid-payload',
          `poll record: field "requestedAt" expected an ISO 8601 time, got ${describeValue(record.requestedAt)}; without it a stale poll cannot be recognised`,
          where,
          { field: 'requestedAt', expected: 'an ISO 8601 time', got: describeValue(record.requestedAt) },
        ),
      );
    }
    const errorBody = SCHEMAS.pollError.safeParse(body);
    if (errorBody.success && fieldAt(body, ['onboardingStatus']) === undefined) {
      const message = stringField(body, 'message') ?? errorBody.data.error;
      problems.push(
        anomaly(
          'invalid-payload',
          `poll answered an error (${errorBody.data.status} ${errorBody.data.error}: ${message}); it is no evidence of a status`,
          where,
          { field: 'onboardingStatus', expected: 'a status', got: `an error ${errorBody.data.status}` },
        ),
      );
      return { sessionId, anomalies: problems };
    }
    const { data, anomalies } = readWith(SCHEMAS.poll, body, where);
    problems.push(...anomalies);
    if (!data || problems.length > 0) return { sessionId, anomalies: problems };
    return { sessionId, ...readStatus(data.onboardingStatus, where, requestedAt) };
  },
  'video-selfie': (body, _record, where) => {
    const { data, anomalies } = readWith(sessionBody, body, where);
    return { sessionId: data?.interviewId, event: data && { type: 'video-selfie' }, anomalies };
  },
  watchlist: (body, _record, where) => {
    const { data, anomalies } = readWith(SCHEMAS.watchlist, body, where);
    return {
      sessionId: data?.interviewId ?? stringField(body, 'interviewId'),
      event: data && { type: 'watchlist', ref: data.ref },
      anomalies,
    };
  },
  'face-authentication': (body, _record, where) => {
    const sessionId = stringField(body, 'interviewId');
    const correlation = identityKeys(body);
    const { data, anomalies } = readWith(objectBody, body, where);
    if (!data) return { sessionId, correlation, anomalies };
    const problems: Anomaly[] = [];
    if (sessionId === undefined && correlation.length === 0) {
      problems.push(
        anomaly(
          'invalid-payload',
          'face-authentication body: expected "interviewId" or an identity id ("identityId", "customerId"), got neither',
          where,
          {
            field: 'interviewId',
            expected: 'interviewId, identityId or customerId',
            got: 'nothing',
          },
        ),
      );
    }
    const outcome = outcomeOf(data);
    if (outcome === undefined) {
      const got = describeValue(data.success ?? data.status ?? data.result);
      problems.push(
        anomaly(
          'invalid-payload',
          `face-authentication body: expected a success or failure ("success": true/false, or "status"/"result" PASS/FAIL), got ${got}`,
          where,
          {
            field: 'success',
            expected: 'a success or failure',
            got,
          },
        ),
      );
    }
    return { sessionId, correlation, anomalies: problems, event: outcome && { type: 'face-authentication', outcome } };
  },
  'work-history': (body, _record, where) => {
    const sessionId = stringField(body, 'interviewId');
    const correlation = requestKeys(body);
    const { data, anomalies } = readWith(SCHEMAS.workHistory, body, where);
    return {
      sessionId,
      correlation,
      anomalies,
      event: data && { type: 'work-history', requestId: stringField(body, 'requestId') },
    };
  },
  'proof-of-payment': (body, _record, where) => {
    const { data, anomalies } = readWith(SCHEMAS.proofOfPayment, body, where);
    return {
      sessionId: stringField(body, 'interviewId'),
      correlation: requestKeys(body),
      anomalies,
      event: data && { type: 'proof-of-payment', requestId: data.requestId },
    };
  },
  'session-started': sessionParser('session-started'),
  'session-progress': sessionParser('session-progress'),
  'session-pending-review': sessionParser('session-pending-review'),
  'session-succeeded': sessionParser('session-succeeded'),
  'session-failed': sessionParser('session-failed'),
  'identity-enrolled': sessionParser('identity-enrolled'),
  authentication: (body, _record, where) => {
    const { data, anomalies } = readWith(SCHEMAS.authentication, body, where);
    return {
      sessionId: stringField(body, 'interviewId'),
      correlation: identityKeys(body),
      anomalies,
      event: data && { type: 'authentication', outcome: data.overallStatus === 'PASS' ? 'succeeded' : 'failed' },
    };
  },
  'ine-scraping': (body, _record, where) => {
    const { data, anomalies } = readWith(SCHEMAS.ineScraping, body, where);
    return {
      sessionId: stringField(body, 'InterviewId', 'interviewId'),
      anomalies,
      event: data && { type: 'ine-scraping', progress: data.ScrapingStatus },
    };
  },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Read one delivery record. Never throws: an envelope that cannot be read (not an object, no
 * kind, no valid `receivedAt`) is refused with an anomaly; a body that cannot be read as its kind
 * is kept, with `invalid-payload` anomalies and no evidence.
 */
export function parseRecord(input: unknown, source?: RecordSource): ParseResult {
  const where: AnomalyContext = { source };
  if (!isObject(input)) {
    return {
      ok: false,
      sessionId: undefined,
      anomaly: anomaly(
        'invalid-payload',
        `a delivery record must be a JSON object, got ${describeValue(input)}`,
        where,
        {
          field: '(record)',
          expected: 'an object',
          got: describeValue(input),
        },
      ),
    };
  }
  const kind = typeof input.kind === 'string' ? input.kind : undefined;
  const receivedAt = typeof input.receivedAt === 'string' ? input.receivedAt : undefined;
  const at = receivedAt === undefined ? Number.NaN : Date.parse(receivedAt);
  const here: AnomalyContext = { kind, receivedAt, source };
  const guessSession = (): string | undefined =>
    stringField(input, 'interviewId') ?? stringField(input.body, 'interviewId', 'InterviewId');
  const refuse = (field: string, expected: string, got: unknown): ParseResult => ({
    ok: false,
    sessionId: guessSession(),
    anomaly: anomaly(
      'invalid-payload',
      `delivery record: field "${field}" expected ${expected}, got ${describeValue(got)}; the record cannot be applied`,
      here,
      { field, expected, got: describeValue(got) },
    ),
  });
  if (kind === undefined || kind.length === 0) return refuse('kind', 'a webhook kind or "poll"', input.kind);
  if (Number.isNaN(at)) return refuse('receivedAt', 'an ISO 8601 time', input.receivedAt);
  if (!isObject(input.body)) return refuse('body', 'the vendor body as a JSON object', input.body);
  const record = input as unknown as DeliveryRecord;
  const body = record.body;

  if (kind !== 'poll' && !isWebhookKind(kind)) {
    const sessionId = guessSession();
    return {
      ok: true,
      parsed: {
        record,
        knownKind: false,
        at,
        key: deliveryKey(kind, body),
        sessionId,
        correlation: [],
        event: undefined,
        anomalies: [
          anomaly(
            'unknown-kind',
            `kind "${kind}" is not a webhook this version knows; the delivery is kept, and a newer version may read it`,
            here,
            {
              field: 'kind',
              expected: 'a webhook kind of the vendor, or "poll"',
              got: JSON.stringify(kind),
            },
          ),
        ],
        source,
      },
    };
  }
  const reading = BODY_PARSERS[kind](body, record, here);
  const anomalies = [...(reading.anomalies ?? [])];
  if (kind !== 'poll' && KIND_FACTS[kind].deprecated !== undefined) {
    anomalies.push(
      anomaly('deprecated-webhook', `the ${kind} webhook is deprecated: ${KIND_FACTS[kind].deprecated}`, here),
    );
  }
  // Copies of one webhook share kind and body; a watchlist delivery and a poll are each their own.
  const key =
    kind === 'poll'
      ? deliveryKey(kind, body, record.interviewId, record.requestedAt, at)
      : isWebhookKind(kind) && KIND_FACTS[kind].everyDeliveryCounts
        ? deliveryKey(kind, body, at)
        : deliveryKey(kind, body);
  const event = reading.event === undefined ? undefined : ({ ...reading.event, key, at } as EvidenceEvent);
  return {
    ok: true,
    parsed: {
      record,
      knownKind: true,
      at,
      key,
      sessionId: reading.sessionId,
      correlation: reading.correlation ?? [],
      event,
      anomalies,
      source,
    },
  };
}

/** Read one line of a JSON Lines log: a line that is not JSON is refused with an anomaly. */
export function parseLine(line: string, source?: RecordSource): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      sessionId: undefined,
      anomaly: anomaly(
        'invalid-payload',
        `the line is not JSON (${reason}); it cannot be read as a delivery record`,
        { source },
        {
          field: '(line)',
          expected: 'a JSON object',
          got: describeValue(line.length > 40 ? `${line.slice(0, 37)}...` : line),
        },
      ),
    };
  }
  return parseRecord(value, source);
}
