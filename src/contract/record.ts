/**
 * The delivery record as a schema: what a producer writes so that this version reads it fully
 * (docs/spec.md#the-delivery-record). The core reads any value and reports what does not fit;
 * this schema says what fits. `schemas/delivery-record.schema.json` is generated from it.
 */
import { z } from 'zod';
import { WEBHOOK_KINDS, type WebhookKind } from '../vendor/kinds.js';
import { ONBOARDING_STATUSES, STATUS_FACTS } from '../vendor/statuses.js';

/** A time as records carry it: ISO 8601 with a date, a time and an explicit offset. */
export const timeSchema = z.iso.datetime({ offset: true }).meta({
  id: 'Time',
  description: 'ISO 8601 with a date, a time and an explicit offset (Z or ±hh:mm); fractions of a second optional',
});

const id = (what: string) => z.string().min(1).describe(what);
const session = id('the session (Incode interview) id');
const passFail = z.enum(['PASS', 'FAIL']);

/** The statuses the vendor sends as webhooks (`UNKNOWN` only ever comes from a poll). */
const WEBHOOK_STATUSES = ONBOARDING_STATUSES.filter((status) => STATUS_FACTS[status].webhook);

/** Bodies of the lifecycle webhooks: at least the session's id. */
const sessionBody = z.looseObject({ interviewId: session });

/** A face authentication carries the outcome in one of several fields. */
const outcome = z.union([
  z.looseObject({ success: z.boolean() }),
  z.looseObject({ status: passFail }),
  z.looseObject({ result: passFail }),
]);

/** Each webhook kind's body: the fields this version reads (the vendor may send more). */
const BODIES: Readonly<Record<WebhookKind, z.ZodType>> = {
  'onboarding-status': z.looseObject({
    interviewId: session,
    onboardingStatus: z.enum(WEBHOOK_STATUSES),
    clientId: z.string().optional(),
    flowId: z.string().optional(),
    externalId: z.string().optional(),
  }),
  'video-selfie': z.looseObject({
    interviewId: session,
    clientId: z.string().optional(),
    flowId: z.string().optional(),
  }),
  watchlist: z.looseObject({
    interviewId: session,
    ref: id('the watchlist search to fetch again'),
    search_id: z.string().optional(),
  }),
  'face-authentication': z
    .union([
      z.looseObject({ interviewId: session }),
      z.looseObject({ identityId: id('an identity id, tied to a session by another record') }),
      z.looseObject({ customerId: id('an identity id, tied to a session by another record') }),
    ])
    .and(outcome),
  'work-history': z.looseObject({
    interviewId: session.optional(),
    requestId: id('the request, tied to a session by another record').optional(),
    workHistory: z.record(z.string(), z.unknown()),
  }),
  'proof-of-payment': z.looseObject({
    requestId: id('the request, tied to a session by another record'),
    interviewId: session.optional(),
  }),
  'session-started': sessionBody,
  'session-progress': sessionBody,
  'session-failed': sessionBody,
  'session-succeeded': sessionBody,
  'session-pending-review': sessionBody,
  'identity-enrolled': z.looseObject({ interviewId: session, identityId: z.string().optional() }),
  authentication: z.looseObject({ interviewId: session, customerId: z.string().optional(), overallStatus: passFail }),
  'ine-scraping': z.looseObject({ InterviewId: session, ScrapingStatus: z.enum(['IN_PROGRESS', 'FINISHED']) }),
};

/** What every record may carry besides its kind, times and body. */
const common = {
  receivedAt: timeSchema,
  headers: z.record(z.string(), z.string()).optional().describe('what authentication saw (values may be redacted)'),
  id: z.string().optional().describe('a delivery id, where a relay adds one'),
};

/** A poll of the vendor's status endpoint and the status it answered (an error answer is no evidence). */
const pollRecord = z
  .looseObject({
    kind: z.literal('poll'),
    interviewId: session.describe('the session polled'),
    requestedAt: timeSchema,
    ...common,
    body: z.looseObject({ onboardingStatus: z.enum(ONBOARDING_STATUSES) }),
  })
  .meta({ id: 'PollRecord', title: 'A poll record' });

const webhookRecord = (kind: WebhookKind) =>
  z.looseObject({ kind: z.literal(kind), ...common, body: BODIES[kind] }).meta({ title: `A ${kind} webhook` });

/** A delivery record: a webhook of a kind this version knows, or a poll. */
export const deliveryRecordSchema = z
  .discriminatedUnion('kind', [pollRecord, ...WEBHOOK_KINDS.map(webhookRecord)])
  .meta({
    id: 'DeliveryRecord',
    title: 'Delivery record',
    description:
      'One delivery, a webhook or a poll, as the receiver stored it: one JSON object, one line of a JSON Lines log.',
  });

/** A delivery record that fits the schema. */
export type DeliveryRecordInput = z.infer<typeof deliveryRecordSchema>;
